import json
import os
import pickle
import stat
import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.secrets import (
    KEY_ENV,
    DecryptionError,
    Secret,
    SecretBox,
    SecretKeyError,
    load_keys,
)


def test_a_key_file_is_made_on_first_run_with_mode_0600(tmp_path: Path) -> None:
    key_file = tmp_path / "state" / "secret.key"
    keys = load_keys(key_file, env={})
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert load_keys(key_file, env={}) == keys  # the same key on the next run
    Fernet(keys[0])


def test_processes_starting_together_share_one_key(tmp_path: Path) -> None:
    key_file = tmp_path / "secret.key"
    results: list[list[bytes]] = []
    threads = [
        threading.Thread(target=lambda: results.append(load_keys(key_file, env={})))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({tuple(r) for r in results}) == 1


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    key = Fernet.generate_key()
    assert load_keys(tmp_path / "secret.key", env={KEY_ENV: key.decode()}) == [key]
    assert not (tmp_path / "secret.key").exists()


def test_several_keys_rotate(tmp_path: Path) -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    sealed_with_old = SecretBox([old]).encrypt({"token": "t"})
    box = SecretBox(
        load_keys(tmp_path / "k", env={KEY_ENV: f"{new.decode()}, {old.decode()}"})
    )
    assert box.decrypt(sealed_with_old) == {"token": "t"}
    rotated = box.rotate(sealed_with_old)
    assert SecretBox([new]).decrypt(rotated) == {"token": "t"}


def test_a_malformed_key_is_refused_without_echoing_it(tmp_path: Path) -> None:
    with pytest.raises(SecretKeyError) as raised:
        load_keys(tmp_path / "k", env={KEY_ENV: "not-a-real-key-but-secret"})
    assert "not-a-real-key-but-secret" not in str(raised.value)
    assert KEY_ENV in str(raised.value)


def test_a_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "secret.key"
    key_file.write_bytes(Fernet.generate_key())
    os.chmod(key_file, 0o644)
    with pytest.raises(SecretKeyError, match="chmod 600"):
        load_keys(key_file, env={})


def test_encrypt_decrypt_round_trip_and_no_clear_text() -> None:
    box = SecretBox([Fernet.generate_key()])
    data = {
        "email": "ana@example.com",
        "password": "pässword",
        "n": 1,
        "nested": {"a": [1]},
    }
    sealed = box.encrypt(data)
    assert b"password" not in sealed and "pässword".encode() not in sealed
    assert box.decrypt(sealed) == data


def test_a_token_from_another_key_or_tampered_is_a_typed_error() -> None:
    box = SecretBox([Fernet.generate_key()])
    sealed = SecretBox([Fernet.generate_key()]).encrypt({"password": "x"})
    with pytest.raises(DecryptionError):
        box.decrypt(sealed)
    mine = bytearray(box.encrypt({"password": "x"}))
    mine[-5] ^= 1
    with pytest.raises(DecryptionError):
        box.decrypt(bytes(mine))


def test_repr_of_the_box_hides_the_keys() -> None:
    key = Fernet.generate_key()
    assert key.decode() not in repr(SecretBox([key]))


def test_secret_hides_its_value_everywhere_it_could_be_printed() -> None:
    secret = Secret("xoxb-very-secret")
    shown = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        f"{secret}",
        repr([secret]),
    ]
    assert all("xoxb-very-secret" not in text for text in shown)
    assert secret.reveal() == "xoxb-very-secret"
    with pytest.raises(TypeError):
        json.dumps({"token": secret})
    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_secret_compares_by_value_and_is_falsy_when_empty() -> None:
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
    assert Secret("a") != "a"
    assert not Secret("")
    assert str(Secret("")) == ""
