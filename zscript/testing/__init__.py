"""Testing users' scripts: golden-file tests (:mod:`.golden`), the
``zscript test`` command (:mod:`.runner`) and a pytest plugin
(:mod:`.pytest_plugin`)."""
