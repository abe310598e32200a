"""``roadsense edge``: the in-vehicle gateway (``run``) and the log decoder (``decode``).

The gateway's modules are imported inside the commands, so ``roadsense edge run --help``
answers at once; what they import is the edge's own libraries only (no numpy, pandas,
databases or web server: ``tests/cli/test_cli_imports.py`` checks).
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from roadsense.cli.errors import fail

if TYPE_CHECKING:
    from roadsense.edge.decoding.config import EdgeConfig
    from roadsense.edge.runner import LineSource
    from roadsense.edge.transport.gateway import Gateway

app = typer.Typer(no_args_is_help=True)

ConfigOption = typer.Option(
    None, "--config", help="JSON file of EdgeConfig fields (see docs/gateway.md)."
)
VehicleOption = typer.Option(
    None, "--vehicle", help="Vehicle id written into every record (overrides the config)."
)
FamilyOption = typer.Option(
    None, "--sound-family", help="How to read the 0x700 sound type: me8 or me560."
)


def _config(config: Path | None, vehicle: str | None, family: str | None) -> EdgeConfig:
    from roadsense.edge.decoding.config import load_config

    return load_config(config, vehicle_id=vehicle, sound_family=family)


def _existing(path: Path | None, what: str) -> Path | None:
    if path is not None and not path.is_file():
        fail(f"{what} not found: {path}")
    return path


@app.command("decode")
def decode_command(
    can_log: Path = typer.Option(..., "--can", help="candump -L .log or Vector .asc file."),
    nmea: Path | None = typer.Option(None, "--nmea", help="NMEA 0183 log of the same drive."),
    imu: Path | None = typer.Option(None, "--imu", help="IMU CSV (time,ax,ay,az) of the drive."),
    config: Path | None = ConfigOption,
    vehicle: str | None = VehicleOption,
    family: str | None = FamilyOption,
    stats: bool = typer.Option(
        False, "--stats", help="Print frames, records and CPU time per frame to stderr."
    ),
) -> None:
    """Decode recorded logs and print the records as JSON lines."""
    from roadsense.edge.decoding.can_input import read_can_log
    from roadsense.edge.decoding.decoder import EdgeDecoder, replay
    from roadsense.edge.decoding.line_sources import file_lines

    cfg = _config(config, vehicle, family)
    _existing(can_log, "CAN log")
    _existing(nmea, "NMEA log")
    _existing(imu, "IMU log")
    decoder = EdgeDecoder(cfg)
    n_records = 0
    cpu0 = time.process_time()
    frames = read_can_log(can_log, decoder.counters)
    records = replay(
        decoder,
        frames,
        file_lines(nmea) if nmea else (),
        file_lines(imu) if imu else (),
    )
    write = sys.stdout.write
    for record in records:
        write(record.model_dump_json())
        write("\n")
        n_records += 1
    sys.stdout.flush()
    if stats:
        cpu = time.process_time() - cpu0
        per_frame = cpu / decoder.frames * 1e6 if decoder.frames else 0.0
        typer.echo(
            f"{decoder.frames} frames decoded, {n_records} records, {cpu:.3f} s CPU "
            f"({per_frame:.1f} us per frame, log reading and JSON included)",
            err=True,
        )


@app.command("run")
def run_command(
    server: str = typer.Option(..., "--server", help="Ingest server URL."),
    token: str = typer.Option(
        ..., "--token", envvar="ROADSENSE_EDGE_TOKEN", help="Device token (or the env var)."
    ),
    device_id: str = typer.Option(
        ..., "--device-id", envvar="ROADSENSE_EDGE_DEVICE_ID", help="Provisioned device id."
    ),
    can_channel: str | None = typer.Option(None, "--can", help="Live CAN interface, e.g. can0."),
    can_interface: str = typer.Option(
        "socketcan", "--can-interface", help="python-can interface (socketcan; virtual for tests)."
    ),
    can_log: Path | None = typer.Option(None, "--can-log", help="Recorded .log or .asc instead."),
    gps: str | None = typer.Option(
        None, "--gps", help="GPS serial port (/dev/ttyUSB0) or gpsd[:host[:port]]."
    ),
    gps_baud: int = typer.Option(9600, "--gps-baud", help="Baud rate of the GPS serial port."),
    nmea_log: Path | None = typer.Option(None, "--nmea-log", help="Recorded NMEA file."),
    imu: str | None = typer.Option(None, "--imu", help="IMU serial port sending CSV lines."),
    imu_log: Path | None = typer.Option(None, "--imu-log", help="Recorded IMU CSV file."),
    outbox: Path = typer.Option(
        Path("var/edge/outbox.sqlite"), "--outbox", help="The durable outbox (SQLite)."
    ),
    duration: float | None = typer.Option(
        None, "--duration", min=0.1, help="Stop after this many seconds and upload what is left."
    ),
    config: Path | None = ConfigOption,
    vehicle: str | None = VehicleOption,
    family: str | None = FamilyOption,
) -> None:
    """Run the gateway: decode the ADAS unit, GPS and IMU and upload to the city."""
    from roadsense.edge.decoding.can_input import open_bus, read_can_log
    from roadsense.edge.decoding.decoder import EdgeDecoder
    from roadsense.edge.decoding.line_sources import file_lines
    from roadsense.edge.runner import run_live, run_logs
    from roadsense.edge.transport.gateway import Gateway

    cfg = _config(config, vehicle, family)
    if (can_channel is None) == (can_log is None):
        fail("give exactly one of --can (live interface) or --can-log (recorded file)")
    _existing(can_log, "CAN log")
    _existing(nmea_log, "NMEA log")
    _existing(imu_log, "IMU log")
    stop = threading.Event()
    _stop_on_signals(stop)
    outbox.parent.mkdir(parents=True, exist_ok=True)
    decoder = EdgeDecoder(cfg)
    with Gateway(outbox, device_id, server, token) as gateway:
        if can_log is not None:
            stats = run_logs(
                decoder,
                gateway,
                stop,
                read_can_log(can_log, decoder.counters),
                file_lines(nmea_log) if nmea_log else (),
                file_lines(imu_log) if imu_log else (),
            )
        else:
            assert can_channel is not None
            bus = open_bus(can_channel, can_interface)
            if duration is not None:
                timer = threading.Timer(duration, stop.set)
                timer.daemon = True
                timer.start()
            try:
                stats = run_live(
                    decoder,
                    bus,
                    gateway,
                    stop,
                    gps=_gps_source(gps, gps_baud, nmea_log),
                    imu=_imu_source(imu, imu_log),
                )
            finally:
                bus.shutdown()
            if duration is not None:
                _drain(gateway, seconds=30.0)
        left = gateway.stats()
    typer.echo(
        f"decoded {stats.frames} CAN frames into {stats.records} records; "
        f"outbox: {left.pending_records} records waiting"
    )


def _stop_on_signals(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())


def _gps_source(gps: str | None, baud: int, nmea_log: Path | None) -> LineSource | None:
    from roadsense.edge.decoding.line_sources import file_lines, serial_lines
    from roadsense.edge.decoding.nmea import gpsd_lines

    if nmea_log is not None:
        return lambda stop: file_lines(nmea_log)
    if gps is None:
        return None
    if gps == "gpsd" or gps.startswith("gpsd:"):
        parts = gps.split(":")
        host = parts[1] if len(parts) > 1 and parts[1] else "127.0.0.1"
        port = int(parts[2]) if len(parts) > 2 else 2947
        return lambda stop: gpsd_lines(stop, host=host, port=port)
    return lambda stop: serial_lines(gps, stop, baudrate=baud)


def _imu_source(imu: str | None, imu_log: Path | None) -> LineSource | None:
    from roadsense.edge.decoding.line_sources import file_lines, serial_lines

    if imu_log is not None:
        return lambda stop: file_lines(imu_log)
    if imu is None:
        return None
    return lambda stop: serial_lines(imu, stop, baudrate=115200)


def _drain(gateway: Gateway, seconds: float) -> None:
    """Upload what is left for at most ``seconds``."""
    stop = threading.Event()
    timer = threading.Timer(seconds, stop.set)
    timer.daemon = True
    timer.start()
    try:
        gateway.run(stop, until_empty=True)
    finally:
        timer.cancel()


if __name__ == "__main__":  # pragma: no cover
    # ``python -m roadsense.cli.edge ...``: the same as ``roadsense edge ...``
    from roadsense.cli.main import app as roadsense

    roadsense(["edge", *sys.argv[1:]], prog_name="roadsense")
