"""Fixed texts (English, Chinese) that more than one module of the inventory report writes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..pages.labels import Pair


_UNCERTAINTY_METHOD: dict[str, Pair] = {
    "analytical": (
        "analytical error propagation, IPCC Approach 1",
        "解析误差传递法，IPCC 方法 1",
    ),
    "monte_carlo": ("Monte Carlo simulation, IPCC Approach 2", "蒙特卡罗模拟，IPCC 方法 2"),
}


_PACK_HASH_NOTE: Pair = (
    "How the hashes are computed. The input SHA-256 is taken over the bytes of the inventory "
    "file as read (for an inventory built from a mapping: over json.dumps(mapping, "
    "sort_keys=True)). A pack's SHA-256 is taken over its content, not its file bytes: the "
    "pack file is parsed, the parsed data are written as canonical JSON (keys sorted at every "
    'level, compact separators "," and ":" with no spaces, non-ASCII characters kept as '
    "they are rather than escaped, NaN and infinity refused, dates as ISO 8601 text), and "
    "the SHA-256 is taken of that text encoded as UTF-8. Comments, layout and key order of "
    "the file do not change it; any changed value does.",
    "哈希值的计算方法：输入 SHA-256 按读取的清单文件字节计算（由映射构建的清单：按 "
    "json.dumps(mapping, sort_keys=True) 计算）。因子包的 SHA-256 按其内容而非文件字节计算："
    '先解析因子包文件，再将解析后的数据写成规范 JSON（各层键均排序，紧凑分隔符 "," 和 ":" '
    "不含空格，非 ASCII 字符原样保留不转义，拒绝 NaN 和无穷大，日期写成 ISO 8601 文本），"
    "对该文本的 UTF-8 编码计算 SHA-256。文件中的注释、排版和键的顺序不影响哈希值，任何数值变化都会改变哈希值。",
)
