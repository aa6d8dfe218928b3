"""The processes, as entry points: the launcher (`make run`), the desk worker, the scheduler, the scaled-out
cluster and the command line. Each wires the parts together; the logic is in the desk, the channels and the runtime."""
