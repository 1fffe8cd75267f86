"""Resource limits of one run, defaulting to the settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from codeloop.config import SandboxSettings

__all__ = ["Limits"]


class Limits(BaseModel):
    """What one program may use. ``wall_s`` is enforced by the host, the rest also by the kernel."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    memory_mb: int = Field(default=512, ge=32)
    cpu_s: float = Field(default=1.0, gt=0)
    wall_s: float = Field(default=5.0, gt=0)
    output_bytes: int = Field(default=1_000_000, ge=1024)
    file_mb: int = Field(default=16, ge=1)
    tmp_mb: int = Field(default=64, ge=1)
    open_files: int = Field(default=64, ge=16)
    processes: int = Field(default=256, ge=8, description="tool runs: processes + threads")
    import_wall_s: float = Field(default=30.0, gt=0)
    session_cpu_s: float = Field(default=120.0, gt=0)

    @classmethod
    def from_settings(cls, settings: SandboxSettings) -> Limits:
        return cls(
            memory_mb=settings.memory_mb,
            cpu_s=settings.cpu_s,
            wall_s=settings.wall_s,
            output_bytes=settings.output_bytes,
            file_mb=settings.file_mb,
            tmp_mb=settings.tmp_mb,
            open_files=settings.open_files,
            processes=settings.processes,
            session_cpu_s=settings.session_cpu_s,
        )
