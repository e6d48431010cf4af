"""A sandboxed, property-based autograder for the Builders' Guide chapter of Dive into Deep Learning.

Import cost matters here: the zygote and the CLI import this package before torch, so nothing
heavy is imported at package level.
"""

__version__ = "0.1.0"
