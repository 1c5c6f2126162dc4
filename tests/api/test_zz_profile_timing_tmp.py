import time

import pytest

from aai.models import PlatformEnum

N = 2000


@pytest.mark.timeout(300)
def test_profile_timing(client, make_account, bundles, make_platform_membership, make_group_membership, emulator):
    account = make_account()
    make_platform_membership(user=account.user, platform_id=PlatformEnum.GALAXY)
    make_group_membership(user=account.user, group=bundles["tsi"])
    for path in ("/me/profile", "/me/platforms", "/me/is-general-admin"):
        for _ in range(50):
            assert client.get(path, headers=account.headers).status_code == 200
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(N):
            client.get(path, headers=account.headers)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"\n{path}: cpu {cpu / N * 1e6:.0f} us/call, wall {wall / N * 1e6:.0f} us/call, userinfo calls {len(emulator.requests(path='/userinfo'))}")
