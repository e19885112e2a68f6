# identify_data names the strongest matching MIME type of some data (plain
# text only when nothing more specific matches); file_magic lists every
# match, strongest first.
print identify_data("Just some words of text.");
print identify_data("\x89PNG\x0d\x0a\x1a\x0a\x00\x00");
print identify_data("GIF89a and then pixels");
print identify_data("%PDF-1.7 followed by a document");
print identify_data("\x1f\x8b\x08\x00");
print identify_data("\x7fELF\x02\x01\x01");
print identify_data("  <!DOCTYPE html><html></html>");
print identify_data("short");
print identify_data("\x00\x01\x02\x03");
for ( _, m in file_magic("MZ and a program header") )
	print m$mime, m$strength;
print identify_data("plain text here", F);
