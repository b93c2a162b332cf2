"""Where the subject lives (行政區): Kaohsiung's 38 districts and Taiwan's 3-digit postal codes (郵遞區號).

A partner may give a Kaohsiung district by name (``鳳山區``) or by postal code (``830``). A valid Taiwanese
postal code outside the city is accepted as out of area (the bureau hands the case to that city's centre);
anything else is refused.

Accepted spellings of a district name: the full name (``鳳山區``), the name without the trailing 區
(``鳳山`` — the 38 short names are all distinct, so this is never ambiguous) and either of those prefixed with
the city (``高雄市鳳山區``). Districts of other cities are not accepted by name, because names repeat across
Taiwan (東區, 信義區, 中正區 …): partners give those subjects' postal code instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from adapters.base import FieldError, Place
from adapters.validation.text import clean, quote

KAOHSIUNG_DISTRICTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "新興區": "800", "前金區": "801", "苓雅區": "802", "鹽埕區": "803", "鼓山區": "804",
        "旗津區": "805", "前鎮區": "806", "三民區": "807", "楠梓區": "811", "小港區": "812",
        "左營區": "813", "仁武區": "814", "大社區": "815", "岡山區": "820", "路竹區": "821",
        "阿蓮區": "822", "田寮區": "823", "燕巢區": "824", "橋頭區": "825", "梓官區": "826",
        "彌陀區": "827", "永安區": "828", "湖內區": "829", "鳳山區": "830", "大寮區": "831",
        "林園區": "832", "鳥松區": "833", "大樹區": "840", "旗山區": "842", "美濃區": "843",
        "六龜區": "844", "內門區": "845", "杉林區": "846", "甲仙區": "847", "桃源區": "848",
        "那瑪夏區": "849", "茂林區": "851", "茄萣區": "852",
    }
)  # fmt: skip
"""District name → postal code, for the 38 districts (區) of 高雄市."""

# 東沙群島 (817) and 南沙群島 (819) have their own postal codes but are administered by 旗津區; they are in
# the city, not out of area.
_ISLANDS_ADMINISTERED_BY_CIJIN: Final[Mapping[str, str]] = MappingProxyType({"817": "旗津區", "819": "旗津區"})

_POSTAL_CODES_ELSEWHERE: Final[Mapping[str, str]] = MappingProxyType(
    {
        "臺北市": "100 103 104 105 106 108 110 111 112 114 115 116",
        "基隆市": "200 201 202 203 204 205 206",
        "新北市": "207 208 220 221 222 223 224 226 227 228 231 232 233 234 235 236 237 238 239 241"
        " 242 243 244 247 248 249 251 252 253",
        "連江縣": "209 210 211 212",
        "宜蘭縣": "260 261 262 263 264 265 266 267 268 269 270 272 290",
        "新竹市": "300",
        "新竹縣": "302 303 304 305 306 307 308 310 311 312 313 314 315",
        "桃園市": "320 324 325 326 327 328 330 333 334 335 336 337 338",
        "苗栗縣": "350 351 352 353 354 356 357 358 360 361 362 363 364 365 366 367 368 369",
        "臺中市": "400 401 402 403 404 406 407 408 411 412 413 414 420 421 422 423 424 426 427 428"
        " 429 432 433 434 435 436 437 438 439",
        "彰化縣": "500 502 503 504 505 506 507 508 509 510 511 512 513 514 515 516 520 521 522 523"
        " 524 525 526 527 528 530",
        "南投縣": "540 541 542 544 545 546 551 552 553 555 556 557 558",
        "嘉義市": "600",
        "嘉義縣": "602 603 604 605 606 607 608 611 612 613 614 615 616 621 622 623 624 625",
        "雲林縣": "630 631 632 633 634 635 636 637 638 640 643 646 647 648 649 651 652 653 654 655",
        "臺南市": "700 701 702 704 708 709 710 711 712 713 714 715 716 717 718 719 720 721 722 723"
        " 724 725 726 727 730 731 732 733 734 735 736 737 741 742 743 744 745",
        "澎湖縣": "880 881 882 883 884 885",
        "金門縣": "890 891 892 893 894 896",
        "屏東縣": "900 901 902 903 904 905 906 907 908 909 911 912 913 920 921 922 923 924 925 926"
        " 927 928 929 931 932 940 941 942 943 944 945 946 947",
        "臺東縣": "950 951 952 953 954 955 956 957 958 959 961 962 963 964 965 966",
        "花蓮縣": "970 971 972 973 974 975 976 977 978 979 981 982 983",
    }
)

POSTAL_CODES_OUTSIDE_KAOHSIUNG: Final[frozenset[str]] = frozenset(
    code for codes in _POSTAL_CODES_ELSEWHERE.values() for code in codes.split()
)
"""Every valid Taiwanese 3-digit postal code outside 高雄市."""

_DISTRICT_BY_POSTAL_CODE: Final[Mapping[str, str]] = MappingProxyType(
    {code: name for name, code in KAOHSIUNG_DISTRICTS.items()} | dict(_ISLANDS_ADMINISTERED_BY_CIJIN)
)
_CITY_PREFIX = "高雄市"
_DISTRICT_SUFFIX = "區"


def _district_by_name(name: str) -> str | None:
    name = name.removeprefix(_CITY_PREFIX).strip()
    if name in KAOHSIUNG_DISTRICTS:
        return name
    full_name = name + _DISTRICT_SUFFIX
    return full_name if full_name in KAOHSIUNG_DISTRICTS else None


def resolve_place(text: str) -> Place:
    """Resolve a 行政區 given as a district name or a 3-digit 郵遞區號.

    Raises ``FieldError`` with ``MISSING_VALUE`` (empty) or ``UNKNOWN_DISTRICT``.
    """
    value = clean(text)
    if not value:
        raise FieldError("MISSING_VALUE", "行政區未填寫，此欄為必填，請填寫區名或 3 碼郵遞區號。")
    if value.isascii() and value.isdigit() and len(value) == 3:
        if value in _DISTRICT_BY_POSTAL_CODE:
            return Place(postal_code=value, district=_DISTRICT_BY_POSTAL_CODE[value])
        if value in POSTAL_CODES_OUTSIDE_KAOHSIUNG:
            return Place(postal_code=value, district=None, out_of_area=True)
    else:
        district = _district_by_name(value)
        if district is not None:
            return Place(postal_code=KAOHSIUNG_DISTRICTS[district], district=district)
    raise FieldError(
        "UNKNOWN_DISTRICT",
        f"{quote(value)}不是高雄市的行政區或有效的郵遞區號，請填寫高雄市的區名（如 鳳山區）或 3 碼郵遞區號"
        "（如 830），個案住在外縣市時請填該地的郵遞區號。",
    )
