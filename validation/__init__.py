"""refneuron.validation: the discrete models against continuous-time ODE
solutions and against published traces.

Installed as ``refneuron.validation`` (the directory is ``validation/`` at the
top of the repository).
"""
