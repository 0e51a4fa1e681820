"""The page pass sealed on its way from the kernel, through the page, to the server (selfexplore.codes)."""

from __future__ import annotations

import time

import pytest

from selfexplore.codes import SEAL_LIFETIME, MalformedCode, _sealer, code_hash, new_code, new_pass, open_seal, seal_pass

KEY = b"a kernel's connection key"


class TestSealedPass:
    def test_the_server_opens_what_the_kernel_sealed_and_the_seal_shows_nothing_of_the_pass(self) -> None:
        token = new_pass()
        sealed = seal_pass(KEY, token)
        assert token not in sealed and open_seal(KEY, sealed) == token
        assert seal_pass(KEY, token) != sealed  # each seal is new: two say nothing about each other

    @pytest.mark.parametrize(
        "tampered",
        [
            lambda sealed: seal_pass(b"another kernel's key", new_pass()),
            lambda sealed: sealed[:-10] + ("x" if sealed[-10] != "x" else "y") + sealed[-9:],
            lambda sealed: sealed[:40],
            lambda sealed: "",
            lambda sealed: "\u00e9" * 20,
        ],
    )
    def test_a_seal_made_elsewhere_or_altered_opens_to_nothing(self, tampered: object) -> None:
        sealed = seal_pass(KEY, new_pass())
        assert callable(tampered)
        assert open_seal(KEY, tampered(sealed)) is None

    def test_an_old_seal_opens_to_nothing(self) -> None:
        made = int(time.time() - SEAL_LIFETIME.total_seconds() - 5)
        old = _sealer(KEY).encrypt_at_time(new_pass().encode(), made).decode()
        assert open_seal(KEY, old) is None

    def test_only_a_pass_is_opened(self) -> None:
        assert open_seal(KEY, seal_pass(KEY, "not a pass; Path=/")) is None

    def test_a_kernel_without_a_key_seals_nothing(self) -> None:
        with pytest.raises(ValueError, match="connection key"):
            seal_pass(b"", new_pass())


class TestResumeCodes:
    def test_an_empty_box_is_asked_to_be_filled_not_counted(self) -> None:
        """Walk review of 5 December 2026: an empty box was told "this one has 0"."""
        with pytest.raises(MalformedCode) as empty:
            code_hash("  ")
        assert str(empty.value) == "Type your resume code in the box first: it has 17 letters and digits"
        with pytest.raises(MalformedCode, match="this one has 3"):
            code_hash("ABC")
        assert code_hash(new_code().lower())  # reading is forgiving
