import pytest
from cryptography.exceptions import InvalidTag

from processors.privacy import envelopes, pseudonyms


def test_seal_and_unseal_round_trip_without_clear_text_in_ciphertext() -> None:
    key = envelopes.new_data_key()
    sealed = envelopes.seal_json(key, "S-1", {"national_id": "A123456789", "name": "王小明"})
    assert b"A123456789" not in sealed.ciphertext
    assert "王小明".encode() not in sealed.ciphertext
    assert envelopes.unseal_json(key, sealed) == {"national_id": "A123456789", "name": "王小明"}


def test_an_envelope_cannot_be_moved_under_another_subject() -> None:
    key = envelopes.new_data_key()
    sealed = envelopes.seal(key, "S-1", b"secret")
    with pytest.raises(InvalidTag):
        envelopes.unseal(key, envelopes.Sealed("S-2", sealed.nonce, sealed.ciphertext))


def test_a_shredded_key_leaves_the_envelope_unreadable() -> None:
    sealed = envelopes.seal(envelopes.new_data_key(), "S-1", b"secret")
    with pytest.raises(InvalidTag):
        envelopes.unseal(envelopes.new_data_key(), sealed)


def test_data_keys_wrap_under_the_master_key() -> None:
    master, data_key = envelopes.new_data_key(), envelopes.new_data_key()
    nonce, wrapped = envelopes.wrap_key(master, "S-1", data_key)
    assert data_key not in wrapped
    assert envelopes.unwrap_key(master, "S-1", nonce, wrapped) == data_key


def test_lookup_key_is_keyed_and_normalised() -> None:
    a = pseudonyms.lookup_key(b"k1", "NID", "a123456789 ")
    assert a == pseudonyms.lookup_key(b"k1", "NID", "A123456789")
    assert a != pseudonyms.lookup_key(b"k2", "NID", "A123456789")
    assert a != pseudonyms.lookup_key(b"k1", "EMAIL", "A123456789")
    assert "A123456789" not in a


def test_subject_ids_are_random() -> None:
    assert pseudonyms.new_subject_id() != pseudonyms.new_subject_id()
