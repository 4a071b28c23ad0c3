"""The load test (`make loadtest`): gunicorn, one Celery worker and locust on loopback.

See benchmarks/loadtest/__main__.py for what runs and README.md ("Load test") for the command.
"""
