##! The storage framework: long-lived key-value data in pluggable backends.
##! Loads the common declarations and both the synchronous and the
##! asynchronous operations.

@load ./main
@load ./sync
@load ./async
