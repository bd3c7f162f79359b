"""The pytest plugin through pytester: fixtures, per-test reset, configuration, one server."""

from __future__ import annotations

import re
import shutil
import socket
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parent.parent
THINGS = ROOT / "tests" / "contracts" / "things.yaml"
EXAMPLE = ROOT / "tests" / "examples" / "test_client_example.py"
AUTH = "{'Authorization': 'Basic dGplMDpUamUw'}"


@pytest.fixture(autouse=True)
def _strict_inner_runs(pytester: pytest.Pytester) -> None:
    """The inner sessions turn warnings into errors too: a leaked socket or thread fails them."""
    pytester.makeini("[pytest]\nfilterwarnings = error\n")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)


def test_the_fixtures_come_with_the_installed_package_without_a_conftest(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        f"""
        import requests

        def test_fixtures(mockso, mockso_server, mockso_app, mockso_config, mockso_contract):
            assert mockso is mockso_server
            assert (mockso_config, mockso_contract) == ({{}}, None)
            answer = requests.get(mockso.url_for("/api/v1/Person/5/ImageInfo"), headers={AUTH})
            assert answer.status_code == 200
            assert mockso_app.test_client().get("/api/v1/Person/5/ImageInfo").status_code == 401
        """
    )

    # A fresh interpreter: the plugin is found through the pytest11 entry point alone.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(passed=1)


def test_the_plugin_is_named_mockso_and_can_be_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_needs_it(mockso):\n    pass\n")

    result = run(pytester, "-p", "no:mockso")

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'mockso' not found*"])


def test_each_test_starts_from_a_reset_mock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import requests

        INFO = "v1PersonEntity_GetImageInfo"

        def test_leaves_state_behind(mockso):
            url = mockso.url_for("/api/v1/Person/5/Image")
            headers = {{**{AUTH}, "Content-Type": "image/png", "X-Mockso-Namespace": "job"}}
            assert requests.put(url, data=b"not a picture", headers=headers).status_code == 400
            mockso.rule(INFO, code=404)
            assert len(mockso.journal()) == 1

        def test_sees_none_of_it(mockso):
            assert mockso.journal() == []
            assert [space.name for space in mockso.mock.spaces.all()] == ["default"]
            answer = requests.get(mockso.url_for("/api/v1/Person/5/ImageInfo"), headers={AUTH})
            assert answer.status_code == 200
        """
    )

    run(pytester).assert_outcomes(passed=2)


def test_one_server_serves_the_session_and_stops_at_its_end(pytester: pytest.Pytester) -> None:
    test = """
        def test_url(mockso):
            with open("urls.txt", "a") as urls:
                print(mockso.url, file=urls)
    """
    pytester.makepyfile(test_one=test, test_two=test)

    run(pytester).assert_outcomes(passed=2)

    first, second = (pytester.path / "urls.txt").read_text().split()
    port = int(first.rsplit(":", 1)[1])
    assert first == second
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the session's server still listens"


def test_overriding_mockso_config_configures_the_server_and_the_app(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def mockso_config():
            return {"seed": 42, "auth": "off"}
        """
    )
    pytester.makepyfile(
        """
        import requests

        def test_configured(mockso, mockso_app):
            assert mockso.mock.seed == 42
            assert requests.get(mockso.url_for("/api/v1/Person/5/ImageInfo")).status_code == 200
            assert mockso_app.test_client().get("/api/v1/Person/5/ImageInfo").status_code == 200
        """
    )

    run(pytester).assert_outcomes(passed=1)


def test_overriding_mockso_contract_serves_another_contract(pytester: pytest.Pytester) -> None:
    shutil.copy(THINGS, pytester.path / "things.yaml")
    pytester.makeconftest(
        """
        import pathlib
        import pytest

        @pytest.fixture(scope="session")
        def mockso_contract():
            return pathlib.Path(__file__).parent / "things.yaml"
        """
    )
    pytester.makepyfile(
        f"""
        import requests

        def test_things(mockso, mockso_app):
            assert requests.get(mockso.url_for("/api/v1/Thing/4"), headers={AUTH}).ok
            person = requests.get(mockso.url_for("/api/v1/Person/5/ImageInfo"), headers={AUTH})
            assert person.status_code == 404
            thing = mockso_app.test_client().get("/api/v1/Thing/4", headers={AUTH})
            assert thing.status_code == 200
        """
    )

    run(pytester).assert_outcomes(passed=1)


def test_the_command_line_options_feed_the_fixtures(pytester: pytest.Pytester) -> None:
    shutil.copy(THINGS, pytester.path / "things.yaml")
    pytester.makepyfile(
        """
        import requests

        def test_options(mockso, mockso_config, mockso_contract):
            assert mockso_config == {"seed": 7, "auth": "off"}
            assert mockso_contract == ["things.yaml"]
            assert mockso.mock.seed == 7
            assert requests.get(mockso.url_for("/api/v1/Thing/4")).status_code == 200
        """
    )

    result = run(
        pytester, "--mockso-seed", "7", "--mockso-auth", "off", "--mockso-contract", "things.yaml"
    )

    result.assert_outcomes(passed=1)


def test_a_bad_option_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")

    result = run(pytester, "--mockso-auth", "sometimes")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--mockso-auth must be one of lenient, off, strict*sometimes*"])


def test_mockso_environment_variables_apply_beneath_the_fixtures(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOCKSO_SEED", "9")
    monkeypatch.setenv("MOCKSO_AUTH", "off")
    pytester.makepyfile(
        """
        def test_environment(mockso, mockso_config):
            assert mockso_config == {}
            assert (mockso.mock.seed, mockso.mock.settings.auth) == (9, "off")
        """
    )

    run(pytester).assert_outcomes(passed=1)


def test_mockso_app_is_a_fresh_app_for_each_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        APPS = []

        def test_saves(mockso_app, mockso):
            APPS.append(mockso_app)
            assert mockso_app is not mockso.app
            headers = {{**{AUTH}, "Content-Type": "application/json"}}
            client = mockso_app.test_client()
            answer = client.put("/api/v1/Person/5/ImageInfo", json={{}}, headers=headers)
            assert answer.status_code == 200
            assert len(mockso_app.extensions["mockso"].spaces.default.journal) == 1

        def test_fresh(mockso_app):
            assert mockso_app is not APPS[0]
            assert len(mockso_app.extensions["mockso"].spaces.default.journal) == 0
        """
    )

    run(pytester).assert_outcomes(passed=2)


def test_the_readme_example_is_the_example_test_file() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Testing your client with pytest\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"^```python\n(.*?)^```$", section, re.DOTALL | re.MULTILINE)

    assert block is not None, "the README section has no ```python block"
    assert block.group(1) == EXAMPLE.read_text(encoding="utf-8")


def test_the_example_passes_on_its_own(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_example=EXAMPLE.read_text(encoding="utf-8"))

    run(pytester).assert_outcomes(passed=2)


def test_a_contract_test_fails_on_deviations_while_a_development_run_keeps_working(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        f"""
        import requests

        def sdk_call(mockso):
            # A client that misspells Accept, as a published SuperOffice SDK does.
            headers = {{**{AUTH}, "Accept": "aplication/json"}}
            return requests.get(mockso.url_for("/api/v1/Person/5/ImageInfo"), headers=headers)

        def test_development_run(mockso):
            assert sdk_call(mockso).status_code == 200

        def test_contract_test(mockso):
            assert sdk_call(mockso).status_code == 200
            mockso.assert_no_deviations()
        """
    )

    result = run(pytester)

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*GET /api/v1/Person/5/ImageInfo: Accept 'aplication/json'*"])


def test_requests_strict_refuses_what_the_real_server_takes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import requests

        def test_strict(mockso, mockso_config):
            assert mockso_config == {{"requests": "strict"}}
            headers = {{**{AUTH}, "Accept": "aplication/json"}}
            url = mockso.url_for("/api/v1/Person/5/ImageInfo")
            assert requests.get(url, headers=headers).status_code == 406
        """
    )

    run(pytester, "--mockso-requests", "strict").assert_outcomes(passed=1)
