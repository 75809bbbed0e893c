"""Heavy work kept out of the server's event loop.

`pool`: a bounded process pool with a time limit per job (measuring uploaded meshes and
drawings today; a job queue can submit through the same `JobPool.run`).
`queue`: the huey job queue (SQLite storage by default, Redis when configured), its
consumers (`refaire worker`, or threads inside `refaire serve`); `log`: each job's state and
last error as people see them; `tasks`: the jobs themselves.
"""

from .pool import JobError, JobFailed, JobPool, JobsBusy, JobTimeout, run_job, shared_pool

__all__ = ["JobError", "JobFailed", "JobPool", "JobTimeout", "JobsBusy", "run_job", "shared_pool"]
