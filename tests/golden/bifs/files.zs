# Files: open, print into, write, size, rotate, close; directory operations
# warn and return F when the system refuses.
event zeek_init()
	{
	print mkdir("scratch-files"), mkdir("scratch-files");
	local f = open("scratch-files/a.txt");
	print f, "first line", 42, T;
	write_file(f, "raw\x01bytes\n");
	print type_name(f), get_file_name(f), active_file(f);
	print |f|, file_size("scratch-files/a.txt");
	local r = rotate_file(f);
	print r$old_name, /a\.txt\.[0-9]+\.[0-9.]+\.tmp$/ in r$new_name;
	print file_size(r$new_name), file_size("scratch-files/a.txt");
	print f, "after rotation";
	print close(f), active_file(f), write_file(f, "lost");
	print file_size("scratch-files/a.txt");
	local g = open_for_append("scratch-files/a.txt");
	print g, "appended";
	close(g);
	print file_size("scratch-files/a.txt");
	print unlink(r$new_name), unlink("scratch-files/a.txt"), rmdir("scratch-files");
	print unlink("scratch-files/none"), rmdir("scratch-files"), rename("nothing", "else");
	print file_size("nothing");
	local out = open("-");
	print out, "printed to standard output";
	write_file(out, "written to standard output\n");
	print close(out);
	}
