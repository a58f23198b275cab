"""Communities, grids, users, households and residents of the synthetic county.

Residents are not kept as records: a compact demographic table (numpy arrays, one row per
resident, ordered by grid then household) is built once per county, and every field of a
resident is a pure function of (seed, index, that row). That is what lets ``iter_residents``
stream 6 million people and lets cases and clues look up any victim in O(1).

ID numbers are unique by construction: grid g owns sequence slots ``4*(g % 125) .. +3`` for
each (area code, birth date, sex) in the area code ``native_area_codes[g // 125]`` (or the
migrant list); a fifth person of one grid born on the same day and sex is moved by a day.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import accumulate

import numpy as np

from fanzha.generator.catalog import load_generator_data
from fanzha.generator.names import name_table
from fanzha.generator.numbers import make_id_number, mix3, resident_phone_suffix
from fanzha.generator.records import CommunityRecord, GridRecord, HouseholdRecord, ResidentRecord, UserRecord

MAX_GRIDS = 1000
GRIDS_PER_AREA_CODE = 125
SLOTS_PER_GRID = 4
BASE_GRIDS = 24
BASE_RESIDENTS = 60_000

ROLE_HEAD, ROLE_SPOUSE, ROLE_CHILD, ROLE_ELDER = 0, 1, 2, 3


def grid_count(scale: float) -> int:
    """24 grids at scale 1, 24*S for larger S, never fewer than 24 nor more than 1000."""
    return min(MAX_GRIDS, max(BASE_GRIDS, round(BASE_GRIDS * scale)))


@dataclass(frozen=True, slots=True)
class GridPlan:
    index: int
    code: str
    name: str
    community_code: str
    community_name: str
    rural: bool
    population: int
    first_resident: int
    first_household: int
    household_count: int


@dataclass(frozen=True, slots=True)
class Demographics:
    """One row per resident (index = resident id - 1)."""

    birth_ord: np.ndarray
    male: np.ndarray
    occupation: np.ndarray
    household: np.ndarray
    role: np.ndarray
    migrant: np.ndarray
    slot: np.ndarray
    grid: np.ndarray
    household_grid: np.ndarray


def _code(prefix: str, i: int, n: int) -> str:
    return f"{prefix}{i:0{max(2, len(str(n)))}d}"


def plan_communities(seed: int, n_grids: int) -> list[tuple[CommunityRecord, bool]]:
    """Communities with a rural flag; the first six names are fixed, the rest combined."""
    data = load_generator_data("county")
    n = max(6, round(n_grids / 4))
    names: list[tuple[str, bool]] = [(nm, kind == "rural") for nm, kind in data["first_communities"]]
    used = {nm for nm, _ in names}
    rng = random.Random(f"{seed}:communities")
    heads, tails = data["community_name_heads"], data["community_name_tails"]
    combos = [h + t for t in tails for h in heads]
    for base in combos:
        if len(names) >= n:
            break
        rural = rng.random() < 0.55
        nm = base + ("村" if rural else "社区")
        if nm not in used:
            used.add(nm)
            names.append((nm, rural))
    return [
        (CommunityRecord(code=_code("C", i + 1, n), name=nm), rural)
        for i, (nm, rural) in enumerate(names[:n])
    ]


def plan_grids(seed: int, scale: float) -> list[GridPlan]:
    """Grids with populations summing to round(60000*scale); households are sized later."""
    n = grid_count(scale)
    communities = plan_communities(seed, n)
    total = max(n, round(BASE_RESIDENTS * scale))
    rng = random.Random(f"{seed}:grids")
    weights = [rng.uniform(0.7, 1.3) for _ in range(n)]
    wsum = sum(weights)
    pops = [int(total * w / wsum) for w in weights]
    for i in range(total - sum(pops)):
        pops[i % n] += 1
    per_comm = [
        n // len(communities) + (1 if i < n % len(communities) else 0) for i in range(len(communities))
    ]
    plans: list[GridPlan] = []
    g = 0
    first = 0
    for (comm, rural), count in zip(communities, per_comm, strict=True):
        for k in range(count):
            plans.append(
                GridPlan(
                    index=g,
                    code=_code("G", g + 1, n),
                    name=f"{comm.name}第{k + 1}警格",
                    community_code=comm.code,
                    community_name=comm.name,
                    rural=rural,
                    population=pops[g],
                    first_resident=first,
                    first_household=0,
                    household_count=0,
                )
            )
            first += pops[g]
            g += 1
    return plans


def plan_users(seed: int, grids: list[GridPlan]) -> list[UserRecord]:
    """Officers own 2-4 consecutive grids of one community run; one worker per grid."""
    table = name_table()
    rng = random.Random(f"{seed}:users")
    n = len(grids)
    n_off = max(1, -(-n // 3))
    width = max(2, len(str(max(n, n_off))))
    users: list[UserRecord] = []
    start = 0
    for k in range(n_off):
        size = n // n_off + (1 if k < n % n_off else 0)
        codes = tuple(gp.code for gp in grids[start : start + size])
        start += size
        users.append(UserRecord(f"officer{k + 1:0{width}d}", table.random_name(rng), "officer", codes))
    for gp in grids:
        users.append(
            UserRecord(f"worker{gp.index + 1:0{width}d}", table.random_name(rng), "grid_worker", (gp.code,))
        )
    for role, prefix, count in (("investigator", "investigator", 2), ("command_room", "command", 2)):
        for k in range(count):
            users.append(UserRecord(f"{prefix}{k + 1:02d}", table.random_name(rng), role, ()))
    users.append(UserRecord("leader", table.random_name(rng), "leader", ()))
    users.append(UserRecord("admin", table.random_name(rng), "admin", ()))
    return users


def grid_records(grids: list[GridPlan], users: list[UserRecord]) -> list[GridRecord]:
    officer_of = {c: u.username for u in users if u.role == "officer" for c in u.grid_codes}
    workers: dict[str, list[str]] = {}
    for u in users:
        if u.role == "grid_worker":
            for c in u.grid_codes:
                workers.setdefault(c, []).append(u.username)
    return [
        GridRecord(
            gp.code, gp.name, gp.community_code, officer_of[gp.code], tuple(workers[gp.code]), gp.population
        )
        for gp in grids
    ]


class _OccupationPicker:
    def __init__(self) -> None:
        occ = load_generator_data("county")["occupations"]
        self.names: list[str] = [o["name"] for o in occ]
        self.tables: dict[tuple[int, bool, bool], tuple[list[int], list[float]]] = {}
        for age in range(0, 111):
            for male in (False, True):
                for rural in (False, True):
                    idx: list[int] = []
                    wts: list[float] = []
                    for i, o in enumerate(occ):
                        if o["min_age"] <= age <= o["max_age"] and not (male and o.get("female_only")):
                            w = o["rural" if rural else "urban"]
                            if w > 0:
                                idx.append(i)
                                wts.append(w)
                    self.tables[(age, male, rural)] = (idx, list(accumulate(wts)))

    def pick(self, rng: random.Random, age: int, male: bool, rural: bool) -> int:
        idx, cum = self.tables[(min(age, 110), male, rural)]
        return idx[bisect_right(cum, rng.random() * cum[-1])]


def build_demographics(
    seed: int, grids: list[GridPlan], reference: date
) -> tuple[Demographics, list[GridPlan]]:
    """Households and people of every grid; returns the table and grids with household ranges."""
    data = load_generator_data("county")
    sizes = [s for s, _ in data["household_size_weights"]]
    size_cum = list(accumulate(w for _, w in data["household_size_weights"]))
    decades = data["age_weights_by_decade"]
    head_decades = [(d, w) for d, w in decades if d >= 20]
    head_cum = list(accumulate(w for _, w in head_decades))
    migrant_share = float(data["migrant_share"])
    picker = _OccupationPicker()
    # Plain lists while building (numpy item assignment is slow), arrays at the end.
    birth: list[int] = []
    male: list[bool] = []
    occ: list[int] = []
    household: list[int] = []
    role: list[int] = []
    migrant: list[bool] = []
    slot: list[int] = []
    grid_of: list[int] = []
    ref_ord = reference.toordinal()
    hh_grid: list[int] = []
    out_grids: list[GridPlan] = []
    for gp in grids:
        rng = random.Random(f"{seed}:people:{gp.code}")
        rnd = rng.random
        counters: dict[tuple[bool, int, bool], int] = {}
        i = gp.first_resident
        end = i + gp.population
        first_hh = len(hh_grid)
        while i < end:
            size = min(sizes[bisect_right(size_cum, rnd() * size_cum[-1])], end - i)
            h = len(hh_grid)
            hh_grid.append(gp.index)
            dec = head_decades[bisect_right(head_cum, rnd() * head_cum[-1])][0]
            head_age = min(95, max(20, dec + int(rnd() * 10)))
            head_male = rnd() < 0.62
            members: list[tuple[int, bool, int]] = [(head_age, head_male, ROLE_HEAD)]
            if size >= 2:
                members.append((max(18, head_age + int(rnd() * 9) - 4), not head_male, ROLE_SPOUSE))
            has_elder = size >= 4 and head_age < 60 and rnd() < 0.5
            if has_elder:
                members.append((min(100, head_age + 24 + int(rnd() * 10)), rnd() < 0.45, ROLE_ELDER))
            while len(members) < size:
                members.append((max(0, head_age - 22 - int(rnd() * 16)), rnd() < 0.52, ROLE_CHILD))
            for age, is_male, r in members:
                is_migrant = rnd() < migrant_share
                b = ref_ord - int(age * 365.2425) - int(rnd() * 365)
                key = (is_migrant, b, is_male)
                while counters.get(key, 0) >= SLOTS_PER_GRID:
                    b -= 1
                    key = (is_migrant, b, is_male)
                s = counters.get(key, 0)
                counters[key] = s + 1
                birth.append(b)
                male.append(is_male)
                occ.append(picker.pick(rng, age, is_male, gp.rural))
                household.append(h)
                role.append(r)
                migrant.append(is_migrant)
                slot.append(s)
                grid_of.append(gp.index)
                i += 1
        out_grids.append(
            GridPlan(
                gp.index, gp.code, gp.name, gp.community_code, gp.community_name, gp.rural,
                gp.population, gp.first_resident, first_hh, len(hh_grid) - first_hh,
            )
        )  # fmt: skip
    demo = Demographics(
        np.array(birth, dtype=np.int32),
        np.array(male, dtype=np.bool_),
        np.array(occ, dtype=np.uint8),
        np.array(household, dtype=np.int32),
        np.array(role, dtype=np.uint8),
        np.array(migrant, dtype=np.bool_),
        np.array(slot, dtype=np.uint8),
        np.array(grid_of, dtype=np.int16),
        np.array(hh_grid, dtype=np.int16),
    )
    return demo, out_grids


class ResidentFactory:
    """Builds any resident or household record from the demographic table."""

    def __init__(self, seed: int, grids: list[GridPlan], demo: Demographics, county_name: str) -> None:
        data = load_generator_data("county")
        self.seed = seed
        self.grids = grids
        self.demo = demo
        self.names = name_table()
        self.native_codes: list[str] = data["native_area_codes"]
        self.migrant_codes: list[str] = data["migrant_area_codes"]
        self.prefixes: list[str] = data["mobile_prefixes"]
        self.roads: list[str] = data["urban_roads"]
        self.groups_max: int = data["rural_groups_max"]
        self.place_prefix = f"{county_name}{data['town_name']}"
        self.occupation_names: list[str] = [o["name"] for o in data["occupations"]]
        self.size = len(demo.birth_ord)

    def household_code(self, h: int) -> str:
        gp = self.grids[int(self.demo.household_grid[h])]
        return f"{gp.code}-H{h - gp.first_household + 1:04d}"

    def household_address(self, h: int) -> str:
        gp = self.grids[int(self.demo.household_grid[h])]
        x = mix3(self.seed, 21, h)
        if gp.rural:
            group = 1 + x % self.groups_max
            return f"{self.place_prefix}{gp.community_name}{group}组{1 + (x >> 8) % 180}号"
        road = self.roads[(x >> 16) % len(self.roads)]
        number = 1 + (x >> 24) % 300
        if (x >> 40) % 3 == 0:
            return f"{self.place_prefix}{road}{number}号"
        building, unit, floor, room = (
            1 + (x >> 44) % 18,
            1 + (x >> 50) % 4,
            1 + (x >> 53) % 18,
            1 + (x >> 58) % 4,
        )
        return f"{self.place_prefix}{road}{number}号{building}栋{unit}单元{floor}{room:02d}室"

    def household(self, h: int) -> HouseholdRecord:
        gp = self.grids[int(self.demo.household_grid[h])]
        return HouseholdRecord(self.household_code(h), self.household_address(h), gp.code)

    def _name(self, i: int, h: int, role: int, is_male: bool) -> str:
        x = mix3(self.seed, 13, i)
        if role == ROLE_SPOUSE or (role == ROLE_ELDER and x % 2 == 0):
            return self.names.full_name(x, is_male)
        return self.names.full_name(x, is_male, surname=self.names.surname(mix3(self.seed, 11, h)))

    def _id_number(self, g: int, birth: date, is_migrant: bool, slot: int, is_male: bool) -> str:
        area = (self.migrant_codes if is_migrant else self.native_codes)[g // GRIDS_PER_AREA_CODE]
        # An odd multiplier mod 500 spreads the slots so sequences do not all start at 000.
        s = ((g % GRIDS_PER_AREA_CODE) * SLOTS_PER_GRID + slot) * 7 % 500
        return make_id_number(area, birth, s * 2 + (1 if is_male else 0))

    def name_of(self, i: int) -> str:
        d = self.demo
        return self._name(i, int(d.household[i]), int(d.role[i]), bool(d.male[i]))

    def id_number_of(self, i: int) -> str:
        d = self.demo
        birth = date.fromordinal(int(d.birth_ord[i]))
        return self._id_number(int(d.grid[i]), birth, bool(d.migrant[i]), int(d.slot[i]), bool(d.male[i]))

    def phone_of(self, i: int) -> str:
        prefix = self.prefixes[mix3(self.seed, 17, i) % len(self.prefixes)]
        return f"{prefix}{resident_phone_suffix(i):08d}"

    def resident(self, i: int) -> ResidentRecord:
        """Resident with index ``i`` (its ``id`` is ``i + 1``)."""
        return self._records(i, i + 1)[0]

    def _records(self, start: int, end: int) -> list[ResidentRecord]:
        # Plain lists instead of numpy scalars, and one address per household: the hot path.
        d = self.demo
        births = d.birth_ord[start:end].tolist()
        males = d.male[start:end].tolist()
        occs = d.occupation[start:end].tolist()
        hhs = d.household[start:end].tolist()
        roles = d.role[start:end].tolist()
        migrants = d.migrant[start:end].tolist()
        slots = d.slot[start:end].tolist()
        grids = d.grid[start:end].tolist()
        out: list[ResidentRecord] = []
        last_h = -1
        address = code = ""
        for k in range(end - start):
            i = start + k
            h = hhs[k]
            if h != last_h:
                address, code, last_h = self.household_address(h), self.household_code(h), h
            g = grids[k]
            is_male = males[k]
            birth = date.fromordinal(births[k])
            out.append(
                ResidentRecord(
                    id=i + 1,
                    name=self._name(i, h, roles[k], is_male),
                    id_number=self._id_number(g, birth, migrants[k], slots[k], is_male),
                    phone=self.phone_of(i),
                    address=address,
                    household_code=code,
                    grid_code=self.grids[g].code,
                    birth_date=birth,
                    sex="男" if is_male else "女",
                    occupation=self.occupation_names[occs[k]],
                )
            )
        return out

    def iter_residents(self, batch_size: int) -> Iterator[list[ResidentRecord]]:
        step = 4096
        batch: list[ResidentRecord] = []
        for start in range(0, self.size, step):
            batch.extend(self._records(start, min(self.size, start + step)))
            while len(batch) >= batch_size:
                yield batch[:batch_size]
                batch = batch[batch_size:]
        if batch:
            yield batch

    def iter_households(self, batch_size: int) -> Iterator[list[HouseholdRecord]]:
        n = len(self.demo.household_grid)
        for start in range(0, n, batch_size):
            yield [self.household(h) for h in range(start, min(n, start + batch_size))]
