##! A logger writes the cluster's logs itself and sends none away.
##! (Also loaded on the manager when the layout has no logger.)

redef Log::enable_local_logging = T;
redef Log::enable_remote_logging = F;
