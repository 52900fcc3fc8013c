"""The edges: everything that touches the file system or git. The core never imports this.

- ``partners``       reading partners/ from the work tree or a git revision (one reader, one policy)
- ``git``            the one module that runs git
- ``trusted_code``   running another revision's pipeline/ in a process of its own (the trusted gate)
- ``command``        running a program the user named (the token command of ``ar sync``)
- ``atomic``         the repository lock, durable writes, replacing a file, swapping in a directory
- ``generated_tree`` the one model of generated/: what it must hold, how the disk differs, writing it
- ``cache``          signed results remembered between runs (findings, renders)
"""
