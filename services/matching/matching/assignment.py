"""The assignment solver behind residents → roles: a maximum-score matching with role capacities (scipy).

Each role is expanded into one column per place it offers; each resident also gets a private "no
suggestion" column, so a full matching always exists and leaving someone out is merely expensive. scipy's
sparse LAPJV (``min_weight_full_bipartite_matching``) then finds the cheapest full matching, which is the
highest total score with no role over its capacity.
"""
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching


def solve(rows: int, cols: int, edges: list, capacity: list) -> list:
    """``edges``: ``[(row, col, score >= 0)]``; returns ``[(row, col)]``, each row at most once, each col at
    most ``capacity[col]`` times, with the largest total score."""
    if not edges:
        return []
    used_rows = sorted({r for r, _c, _s in edges})
    row_index = {r: k for k, r in enumerate(used_rows)}
    degree: dict[int, int] = {}
    for _r, c, _s in edges:
        degree[c] = degree.get(c, 0) + 1
    # Only as many places per role as could ever be used in this pass.
    units: dict[int, range] = {}
    next_col = 0
    for c in sorted(degree):
        n = min(int(capacity[c]), degree[c])
        if n > 0:
            units[c] = range(next_col, next_col + n)
            next_col += n
    top = max(s for _r, _c, s in edges) + 1.0
    data, indices, indptr_rows = [], [], []
    for r, c, s in edges:
        for k, col in enumerate(units.get(c, ())):
            # Tiny tie-break per place: fills a role's places in order and keeps the solver off flat plateaus.
            data.append(top - s + 1e-7 * (k + 1))
            indices.append(col)
            indptr_rows.append(row_index[r])
    n_rows = len(used_rows)
    for k in range(n_rows):  # the private "no suggestion" column of each resident
        data.append(top + 1.0)
        indices.append(next_col + k)
        indptr_rows.append(k)
    matrix = csr_matrix((np.asarray(data), (np.asarray(indptr_rows), np.asarray(indices))),
                        shape=(n_rows, next_col + n_rows))
    row_ind, col_ind = min_weight_full_bipartite_matching(matrix)
    owner = {}
    for c, places in units.items():
        for col in places:
            owner[col] = c
    return [(used_rows[r], owner[col]) for r, col in zip(row_ind, col_ind) if col < next_col]
