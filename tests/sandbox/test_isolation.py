from __future__ import annotations

from pathlib import Path

from codeloop.sandbox.isolation import Launcher, Mount
from codeloop.sandbox.runtime import Bind


def test_unsafe_layout_replaces_a_link_left_by_another_checkout(tmp_path: Path) -> None:
    launcher = Launcher("none")
    real = tmp_path / "worker"
    real.mkdir()
    link = Path(launcher.inside("/opt/worker/clworker"))
    link.parent.mkdir(parents=True, exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to(tmp_path / "removed-checkout")
    launcher.argv(Mount(binds=(Bind(real, "/opt/worker/clworker"),)), ["true"])
    assert link.readlink() == real
