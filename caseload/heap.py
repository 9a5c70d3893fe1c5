"""Python's garbage collector and what a loaded Tryton pool keeps alive.

A loaded pool is hundreds of thousands of objects (the models, their
fields, views, translations, caches) that live as long as the process,
and Python's cyclic collector walks every one of them at each of its
full collections: 0.15-0.2 s each in a server worker or an 835 import,
holding the GIL, so every request of the worker waits through them. An
import of 1,000 claims spent about 0.7 s of its 7 s there. Once the pool
is loaded, ``gc.freeze()`` moves what is alive out of the collector's
walks (Python's advice for long-running servers); what is made later is
collected as before. A pool loaded again in the same process (a module
installed from the back office) leaves the frozen one's cycles behind:
a pool's worth of memory, once per reload."""
import gc


def freeze_loaded():
    "Call once the pool is loaded: what is alive now is not walked again"
    gc.collect()
    gc.freeze()
