"""Several workers, one hub: which worker owns a key, and how one worker asks another (工作節點之間)."""
