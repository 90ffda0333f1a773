"""The system check that finds the original distribution installed beside this one."""

from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from ninja_simple_jwt.distribution import check_single_distribution, installed_version


@pytest.fixture
def original_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What pip leaves in site-packages for the original: a .dist-info directory with its metadata.
    site = tmp_path / "site-packages"
    dist_info = site / "django_ninja_simple_jwt-0.8.1.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: django-ninja-simple-jwt\nVersion: 0.8.1\n")
    monkeypatch.syspath_prepend(str(site))


def test_alone_this_distribution_passes() -> None:
    assert installed_version("django-ninja-simple-jwt-rs") is not None
    assert installed_version("django-ninja-simple-jwt") is None
    assert check_single_distribution() == []
    assert [m for m in run_checks() if m.id == "ninja_simple_jwt.E100"] == []


@pytest.mark.usefixtures("original_installed")
def test_the_original_beside_it_is_an_error_that_says_what_to_do() -> None:
    [error] = check_single_distribution()
    assert error.id == "ninja_simple_jwt.E100"
    assert error.is_serious()
    assert "django-ninja-simple-jwt 0.8.1 and django-ninja-simple-jwt-rs are installed" in error.msg
    assert error.hint is not None
    assert "pip uninstall django-ninja-simple-jwt django-ninja-simple-jwt-rs" in error.hint


@pytest.mark.usefixtures("original_installed")
def test_the_app_registers_the_check() -> None:
    # `manage.py check` (and runserver, migrate) stop on it.
    with pytest.raises(SystemCheckError, match=r"ninja_simple_jwt\.E100"):
        call_command("check")
