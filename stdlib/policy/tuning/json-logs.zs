##! Loading this script makes the ASCII writer write every log as JSON lines
##! (one object per record, no header) unless a filter says otherwise.

@load base/frameworks/logging

redef LogAscii::use_json = T;
