##! The reporter framework: messages of the reporter (``Reporter::info``,
##! ``Reporter::warning``, ``Reporter::error`` and the run-time errors the
##! engine reports) are also written to ``reporter.log``.

@load ./main
