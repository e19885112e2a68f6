# Loaded by script_loaded.zs.
print "helper loaded";
