# Loading a directory with @load loads its __load__.zs, which loads the package's files in order.
@load _lib/_pkg

event zeek_init()
	{
	print pkg_parts, pkg_size;
	}
