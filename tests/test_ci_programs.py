"""A test that needs a missing program skips on a workstation and fails under CI."""

import pytest

from tests.conftest import under_ci

ABSENT = "wealthpulse-no-such-program"


def outcome(require_program) -> BaseException | None:
    """What asking for the absent program raises; caught here, so a skip cannot pass for this test's own."""
    try:
        require_program(ABSENT, "some-package")
    except BaseException as raised:  # pytest's skip and fail are BaseExceptions
        return raised
    return None


def test_a_missing_program_skips_outside_ci(require_program, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    raised = outcome(require_program)
    assert isinstance(raised, pytest.skip.Exception), raised
    assert f"{ABSENT} is not installed (apt-get install some-package)" in str(raised)


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_a_missing_program_fails_under_ci(require_program, monkeypatch, value):
    monkeypatch.setenv("CI", value)
    raised = outcome(require_program)
    assert isinstance(raised, pytest.fail.Exception), raised
    assert "apt-get install some-package" in str(raised) and "none may skip" in str(raised)


def test_a_present_program_is_found(require_program, monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert require_program("sh", "dash").endswith("/sh")


def test_ci_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("CI", "false")
    assert not under_ci()
    monkeypatch.setenv("CI", "true")
    assert under_ci()
