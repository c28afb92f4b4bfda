"""`rcsc exercise …` as a real process: list, show (a player sees only what is released),
MSEL export and import (a bad row named by row and column), the clock, the calendar."""

from __future__ import annotations

from pathlib import Path

from rcsc.storage import migrate
from tests.cli.test_cli import Node
from tests.exercises.exercise_world import build, inject_data


def _node(tmp_path: Path) -> tuple[Node, str]:
    data_dir = tmp_path / "data"
    data_dir.mkdir(parents=True)
    node = Node(data_dir=data_dir, url=f"sqlite:///{data_dir / 'rcsc.sqlite3'}", cwd=tmp_path)
    with node.database() as db:
        migrate.upgrade(db.engine)
        world = build(db, injects=[inject_data(1, "M+0"), inject_data(2, "H+1",
                                                                      title="Hidden")])
    return node, str(world.exercise_id)


def test_the_exercise_commands(tmp_path: Path) -> None:
    node, exercise = _node(tmp_path)
    listed = node.ok("exercise", "list", "--as", "planner@lt.example").stdout
    assert f"{exercise}\tready\ttabletop\t2027-03-02\t2027-03-03\tBaltic Grid 2027" in listed
    assert node.ok("exercise", "list", "--as", "outsider@ee.example").stdout == ""
    exported = tmp_path / "msel.xlsx"
    node.ok("exercise", "export-msel", exercise, "--as", "planner@lt.example",
            "--format", "xlsx", "-o", str(exported))
    assert node.ok("exercise", "import-msel", exercise, str(exported),
                   "--as", "planner@lt.example").stdout.strip() == "imported 2 injects"
    bad = tmp_path / "bad.csv"
    bad.write_text("number,offset,title\n1,H+1,ok\n2,later,bad\n")
    failed = node.fails("exercise", "import-msel", exercise, str(bad),
                        "--as", "planner@lt.example")
    assert "row 3, column offset" in failed.stderr
    assert node.ok("exercise", "clock", exercise, "start",
                   "--as", "controller@lt.example").stdout.strip().endswith("running")
    shown = node.ok("exercise", "show", exercise, "--as", "ua_player@ua.example").stdout
    assert "Inject 1" in shown and "Hidden" not in shown
    ics = node.ok("exercise", "calendar", exercise, "--as", "planner@lt.example").stdout
    assert ics.startswith("BEGIN:VCALENDAR") and "Baltic Grid 2027" in ics
    pdf = tmp_path / "aar.pdf"
    node.ok("exercise", "aar", exercise, "--as", "ua_player@ua.example", "-o", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    refused = node.fails("exercise", "aar", exercise, "--as", "outsider@ee.example")
    assert "No exercise" in refused.stderr
