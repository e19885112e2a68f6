##! The config framework: options changed at run time, by scripts
##! (:zeek:see:`Config::set_value`) or from files
##! (:zeek:see:`Config::config_files`), and logged to ``config.log``.

@load ./main
@load ./input
