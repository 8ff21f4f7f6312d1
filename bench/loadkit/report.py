"""The load run's numbers and checks, as one dict (for --json) with a text rendering."""

from __future__ import annotations

import argparse
import os
import statistics
from collections import Counter
from datetime import datetime
from typing import Any

from loadkit.run import Job, Outcome
from loadkit.streams import FINAL


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _seconds_to_invoice(jobs: list[Job]) -> list[float]:
    return sorted(
        (_when(j.state["completedAt"]) - _when(j.state["createdAt"])).total_seconds()
        for j in jobs
        if j.state and j.state["status"] == "COMPLETED" and j.state["completedAt"]
    )


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if len(values) < 2:
        only = round(values[0], 2) if values else None
        return {"p50": only, "p90": only, "p99": only}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {f"p{p}": round(cuts[p - 1], 2) for p in (50, 90, 99)}


def _lost(job: Job) -> bool:
    """No row for the id createTasks gave, or an ended task whose log has no final event."""
    if job.state is None or job.log is None:
        return True
    finals = [e for e in job.log if e["type"] == "STATUS" and e["status"] in FINAL]
    return job.state["status"] in FINAL and not finals


def _log_gap_free(job: Job) -> bool:
    seqs = [e["seq"] for e in job.log or []]
    return seqs == list(range(1, len(seqs) + 1))


def _throughput(jobs: list[Job], wall_s: float) -> dict[str, float | None]:
    done = [j.state for j in jobs if j.state and j.state["status"] == "COMPLETED"]
    if not done:
        return {"tasks_per_minute": None, "makespan_s": None, "wall_s": round(wall_s, 1)}
    first = min(_when(s["createdAt"]) for s in done)
    last = max(_when(s["completedAt"]) for s in done)
    makespan = (last - first).total_seconds()
    return {
        "tasks_per_minute": round(len(done) / makespan * 60, 1) if makespan else None,
        "makespan_s": round(makespan, 1),
        "wall_s": round(wall_s, 1),
    }


def _streams(outcome: Outcome) -> dict[str, Any]:
    events = outcome.events
    return {
        "task_events_subscribed": len(events),
        "task_events_gap_free": sum(s.gap_free for s in events),
        "task_events_bad": [
            {"task": s.task_id, "seqs": s.seqs, "final": s.final, "error": s.error}
            for s in events
            if not s.gap_free
        ],
        "task_updates_subscribers": len(outcome.updates),
        "task_updates_missed_final": sum(len(u.missed()) for u in outcome.updates),
        "task_updates_errors": [u.error for u in outcome.updates if u.error],
    }


def summarize(args: argparse.Namespace, outcome: Outcome) -> dict[str, Any]:
    jobs = outcome.jobs
    statuses = Counter(j.state["status"] if j.state else "NO_ROW" for j in jobs)
    failures = Counter(
        f"{j.state['failureCode']} ({j.portal})" for j in jobs if j.state and j.state["failureCode"]
    )
    completed = [j for j in jobs if j.state and j.state["status"] == "COMPLETED"]
    streams = _streams(outcome)
    result: dict[str, Any] = {
        "config": {
            "tasks": args.tasks,
            "workers": args.workers,
            "browsers_per_worker": args.browsers_per_worker,
            "buyers": args.buyers,
            "portals": args.portals.split(","),
            "cpus": os.cpu_count(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "created": len(jobs),
        "refused_at_creation": outcome.refused,
        **_throughput(jobs, outcome.wall_s),
        "seconds_to_invoice": _percentiles(_seconds_to_invoice(jobs)),
        "statuses": dict(statuses),
        "failure_codes": dict(failures),
        "stuck": sum(1 for j in jobs if j.state and j.state["status"] not in FINAL),
        "lost": sum(_lost(j) for j in jobs),
        "logs_with_gaps": sum(not _log_gap_free(j) for j in jobs),
        "stamps_per_completed_ticket": dict(Counter(j.stamps for j in completed)),
        "stamps_for_unfinished_or_failed": sum(j.stamps for j in jobs if j not in completed),
        "streams": streams,
        "memory": outcome.memory,
        "log_errors": outcome.log_errors,
        "workers_exited": outcome.workers_exited,
    }
    result["ok"] = (
        not outcome.refused
        and not outcome.workers_exited
        and len(jobs) == args.tasks
        and result["stuck"] == 0
        and result["lost"] == 0
        and result["logs_with_gaps"] == 0
        and set(result["stamps_per_completed_ticket"]) <= {1}
        and streams["task_events_gap_free"] == streams["task_events_subscribed"]
        and streams["task_updates_missed_final"] == 0
    )
    return result


def text(result: dict[str, Any]) -> str:
    c, t, m, s = result["config"], result["seconds_to_invoice"], result["memory"], result["streams"]
    lines = [
        f"load: {c['tasks']} tasks, {c['workers']} workers × {c['browsers_per_worker']} browsers, "
        f"{c['buyers']} buyers, portals {','.join(c['portals'])}; {c['cpus']} CPUs, "
        f"load average at the end {c['load_average_at_end']}",
        f"created {result['created']}  refused {len(result['refused_at_creation'])}",
        f"tasks/min {result['tasks_per_minute']}  (makespan {result['makespan_s']} s, "
        f"wall {result['wall_s']} s)",
        f"time to invoice s: p50 {t['p50']}  p90 {t['p90']}  p99 {t['p99']}",
        f"final statuses: {result['statuses']}  failures: {result['failure_codes'] or '-'}",
        f"stuck {result['stuck']}  lost {result['lost']}  "
        f"logs with gaps {result['logs_with_gaps']}",
        f"ledger stamps per completed ticket: {result['stamps_per_completed_ticket']}  "
        f"stamps for other tasks: {result['stamps_for_unfinished_or_failed']}",
        f"taskEvents gap-free {s['task_events_gap_free']}/{s['task_events_subscribed']}  "
        f"taskUpdates missed finals {s['task_updates_missed_final']} "
        f"over {s['task_updates_subscribers']} subscribers",
        f"peak RSS MiB ({m.get('source')}, {m.get('samples')} samples, one per "
        f"{m.get('mean_interval_s')} s): total "
        f"{m.get('peak_total_mib')}  at peak {m.get('at_peak_mib')}  "
        f"per part peak {m.get('peak_per_part_mib')}",
        f"peak PSS MiB: total {m.get('peak_pss_total_mib')}  at peak {m.get('pss_at_peak_mib')}",
        f"ERROR/Traceback lines in var/bench-load-*.log: {result['log_errors']}  "
        f"workers that exited during the run: {result['workers_exited'] or 'none'}",
        "OK" if result["ok"] else "NOT OK: see the counts above",
    ]
    return "\n".join(lines)
