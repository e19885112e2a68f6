"""Stage 3b: the event engine (queue, timers, triggers, loop, reporter)."""
