"""Provision one gateway per simulated vehicle and run them all against a server."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from roadsense.accounts import issue_api_key, provision_device
from roadsense.edge.transport.gateway import Gateway
from roadsense.sim.decode import decode_vehicle
from roadsense.store import open_store


@dataclass(frozen=True)
class Credentials:
    """What a gateway needs to upload."""

    device_id: str
    vehicle_id: str
    token: str


def device_id_for(vehicle_id: str) -> str:
    """The gateway id of a simulated vehicle."""
    return f"gw-{vehicle_id}"


def provision(store_path: Path | str, vehicle_ids: list[str]) -> dict[str, Credentials]:
    """One device per vehicle in the store (which no server may hold open meanwhile)."""
    creds: dict[str, Credentials] = {}
    with open_store(store_path) as store:
        for vehicle_id in vehicle_ids:
            made = provision_device(store, device_id_for(vehicle_id), vehicle_id)
            creds[vehicle_id] = Credentials(made.device.device_id, vehicle_id, made.token)
    return creds


def provision_viewer(store_path: Path | str, key_id: str = "demo-analyst") -> str:
    """An analyst API key to read the dashboard with (the store must not be held open)."""
    with open_store(store_path) as store:
        return issue_api_key(store, key_id, "analyst").secret


def load_outboxes(
    sim_dir: Path,
    outbox_dir: Path,
    creds: dict[str, Credentials],
    server_url: str,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Run each vehicle's gateway decoder over its logs (CAN, NMEA, IMU) and store what it
    makes in that gateway's durable outbox; returns the records stored.

    Vehicles are decoded in ``workers`` processes (default: one per CPU), each writing
    its own outboxes.
    """
    outbox_dir.mkdir(parents=True, exist_ok=True)
    jobs = list(creds.values())
    workers = max(1, min(len(jobs), workers or os.cpu_count() or 1))
    total = 0
    if workers == 1:
        for done, cred in enumerate(jobs, start=1):
            total += decode_into_outbox(sim_dir, outbox_dir, cred, server_url)
            if progress:
                progress(done, len(jobs))
        return total
    context = multiprocessing.get_context("spawn")  # no fork of a threaded process
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(decode_into_outbox, sim_dir, outbox_dir, cred, server_url) for cred in jobs
        ]
        for done, future in enumerate(as_completed(futures), start=1):
            total += future.result()
            if progress:
                progress(done, len(jobs))
    return total


def decode_into_outbox(sim_dir: Path, outbox_dir: Path, cred: Credentials, server_url: str) -> int:
    """One vehicle: its gateway's decoder over its logs, everything into its outbox."""
    records = decode_vehicle(sim_dir, cred.vehicle_id)
    with _gateway(outbox_dir, cred, server_url) as gateway:
        return gateway.submit(records)


def run_gateways(
    outbox_dir: Path,
    creds: dict[str, Credentials],
    server_url: str,
    *,
    workers: int = 8,
    max_items: int = 1000,
    stop: threading.Event | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Run every gateway until its outbox is empty (or ``stop``); how many finished."""
    stop = stop or threading.Event()
    done = 0

    def one(cred: Credentials) -> None:
        upload_outbox(outbox_dir, cred, server_url, stop, max_items)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gateway") as pool:
        futures = [pool.submit(one, cred) for cred in creds.values()]
        for future in as_completed(futures):
            future.result()
            done += 1
            if progress:
                progress(done, len(futures))
    return done


def upload_outbox(
    outbox_dir: Path,
    cred: Credentials,
    server_url: str,
    stop: threading.Event,
    max_items: int = 1000,
) -> None:
    """One gateway: upload its outbox until it is empty (or ``stop``)."""
    with _gateway(outbox_dir, cred, server_url, max_items) as gateway:
        gateway.run(stop, until_empty=True)


def decode_and_upload(
    sim_dir: Path,
    outbox_dir: Path,
    creds: dict[str, Credentials],
    server_url: str,
    *,
    decode_workers: int | None = None,
    upload_workers: int = 8,
    decoded: Callable[[int, int], None] | None = None,
    uploaded: Callable[[int, int], None] | None = None,
) -> int:
    """:func:`load_outboxes` and :func:`run_gateways` streamed: each vehicle's gateway
    starts uploading as soon as its logs are decoded, so the server ingests while the
    other vehicles decode. Returns the records stored in the outboxes."""
    outbox_dir.mkdir(parents=True, exist_ok=True)
    jobs = list(creds.values())
    workers = max(1, min(len(jobs), decode_workers or os.cpu_count() or 1))
    stop = threading.Event()
    total = done_up = 0
    context = multiprocessing.get_context("spawn")  # no fork of a threaded process
    with (
        ProcessPoolExecutor(max_workers=workers, mp_context=context) as decoders,
        ThreadPoolExecutor(max_workers=upload_workers, thread_name_prefix="gateway") as gateways,
    ):
        decoding = {
            decoders.submit(decode_into_outbox, sim_dir, outbox_dir, cred, server_url): cred
            for cred in jobs
        }
        uploads = []
        try:
            for done, future in enumerate(as_completed(decoding), start=1):
                total += future.result()
                if decoded:
                    decoded(done, len(jobs))
                cred = decoding[future]
                uploads.append(gateways.submit(upload_outbox, outbox_dir, cred, server_url, stop))
            for upload in as_completed(uploads):
                upload.result()
                done_up += 1
                if uploaded:
                    uploaded(done_up, len(jobs))
        except BaseException:
            stop.set()
            raise
    return total


def _gateway(
    outbox_dir: Path, cred: Credentials, server_url: str, max_items: int = 1000
) -> Gateway:
    return Gateway(
        path=outbox_dir / f"{cred.vehicle_id}.sqlite",
        device_id=cred.device_id,
        server_url=server_url,
        token=cred.token,
        max_items=max_items,
    )
