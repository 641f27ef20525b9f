"""The README's notebook session runs as written (public methods only), on the bundled sample."""
import re
import warnings
from pathlib import Path

import pytest

from conftest import SAMPLE

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_notebook_session_runs(tmp_path, monkeypatch, capsys):
    pytest.importorskip("pandas")
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "no python block in the README"
    code = blocks[0].replace('Path("examples/fortunes")', f"Path({str(SAMPLE)!r})")
    assert "._" not in code.replace("__", ""), "the session must use public methods only"
    monkeypatch.chdir(tmp_path)
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the session as written warns about nothing but…
        # …MiniLM's two dead dimensions, which fit reports on the bundled sample (see README).
        warnings.filterwarnings("ignore", message=r"anchors .* determine 382 of the 384 dimensions")
        exec(compile(code, str(README), "exec"), namespace)
    assert namespace["db"].closed
    assert list(namespace["result"].keys[:, 0]) == ["3", "4"]
    assert "E0703 1 1 unknown keys in e5/fortunes, e.g. 'no-such-key'" in capsys.readouterr().out
    assert (tmp_path / "other-project.db").exists() and (tmp_path / "e5-to-minilm.ldbt").exists()
