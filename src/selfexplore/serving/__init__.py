"""Everything that runs in a server process rather than in a kernel: `serve` (the one place that knows
Voila's settings), the guarded Voila (server, guard, kernels), the page request a kernel hears (request),
who is signed in (identity), and a JupyterHub user's server (hub, hubvoila, activity).

Empty on purpose: a server process imports only the small modules it needs (selfexplore.serving.server
loads codes, guard and request, and nothing else of the package).
"""
