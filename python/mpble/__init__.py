"""mpble: run MicroPython BLE programs on a Linux PC.

The `bluetooth` C extension is the module itself; this package holds the tools
around it: `python -m mpble run|multitest|scan|air` (see `mpble.cli`) and the
MicroPython names CPython lacks (`mpble.compat.install()`)."""
