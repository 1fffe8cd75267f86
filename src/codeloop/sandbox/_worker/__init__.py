"""Code that runs *inside* the sandbox worker.

Everything here imports only the standard library (and ``pyseccomp`` for the seccomp layer), because
this folder is bind-mounted read-only into the isolated worker as the package ``clworker``. The host
imports the same modules as ``codeloop.sandbox._worker`` for the wire format, the policy and the
primitive descriptors, so both sides always agree.
"""
