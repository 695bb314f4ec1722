"""Ticket requests kept on local disk while the database is unreachable, created when it is back.

Each request carries its idempotency key, so creating one twice (a crash between creating and
forgetting it) still makes one ticket."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.tickets import TicketRequest, TicketService

log = logging.getLogger(__name__)


class PendingTickets:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()

    def keep(self, request: TicketRequest) -> None:
        line = json.dumps(asdict(request), ensure_ascii=False)
        with self._lock:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            with self._path.open("a", encoding="utf-8") as spool:
                spool.write(line + "\n")
                spool.flush()

    def count(self) -> int:
        with self._lock:
            return len(self._read())

    def create_all(self, service: TicketService) -> int:
        """Creates what it can, keeps the rest; returns how many tickets were created."""
        with self._lock:
            waiting = self._read()
            created = 0
            for index, request in enumerate(waiting):
                try:
                    service.create(request)
                except SQLAlchemyError as error:
                    log.warning("database still unavailable for kept tickets: %s", error)
                    self._write(waiting[index:])
                    return created
                created += 1
            self._write([])
            return created

    def _read(self) -> list[TicketRequest]:
        if not self._path.exists():
            return []
        requests = []
        for line in self._path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                data = json.loads(line)
                requests.append(TicketRequest(**{**data, "notify": tuple(data["notify"])}))
        return requests

    def _write(self, requests: list[TicketRequest]) -> None:
        if not requests:
            self._path.unlink(missing_ok=True)
            return
        temporary = self._path.with_suffix(".tmp")
        temporary.write_text(
            "".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in requests),
            encoding="utf-8",
        )
        temporary.replace(self._path)
