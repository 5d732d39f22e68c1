"""Python API tests of the bluetooth module (run with unittest discover -t .)."""
