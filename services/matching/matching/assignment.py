"""The assignment solver behind residents → roles: a maximum-score matching with role capacities (scipy).

Each role is expanded into one column per place it offers (no more places than residents who could take
them); each resident also gets a private "no suggestion" column, so a full matching always exists and
leaving someone out is merely expensive. scipy's sparse LAPJV (``min_weight_full_bipartite_matching``) then
finds the cheapest full matching, which is the highest total score with no role over its capacity.
"""
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching


def solve(rows: int, cols: int, edges: list, capacity: list) -> list:
    """``edges``: ``[(row, col, score >= 0)]``; returns ``[(row, col)]``, each row at most once, each col at
    most ``capacity[col]`` times, with the largest total score."""
    if not edges:
        return []
    edge_rows, edge_cols, scores = (np.asarray(x) for x in zip(*edges))
    used_rows, row_of_edge = np.unique(edge_rows, return_inverse=True)
    used_cols, col_of_edge, degree = np.unique(edge_cols, return_inverse=True, return_counts=True)
    places = np.minimum(np.asarray(capacity)[used_cols], degree).astype(np.int64)
    first_place = np.concatenate(([0], np.cumsum(places)[:-1]))
    n_places = int(places.sum())
    # Every edge becomes one entry per place of its role.
    per_edge = places[col_of_edge]
    edge_of_entry = np.repeat(np.arange(len(edge_rows)), per_edge)
    place_index = np.arange(len(edge_of_entry)) - np.repeat(np.cumsum(per_edge) - per_edge, per_edge)
    top = float(scores.max()) + 1.0
    # A tiny tie-break per place fills a role's places in order and keeps the solver off flat plateaus.
    data = top - scores[edge_of_entry] + 1e-7 * (place_index + 1)
    entry_cols = first_place[col_of_edge[edge_of_entry]] + place_index
    entry_rows = row_of_edge[edge_of_entry]
    n_rows = len(used_rows)
    data = np.concatenate((data, np.full(n_rows, top + 1.0)))           # the "no suggestion" columns
    entry_rows = np.concatenate((entry_rows, np.arange(n_rows)))
    entry_cols = np.concatenate((entry_cols, n_places + np.arange(n_rows)))
    matrix = csr_matrix((data, (entry_rows, entry_cols)), shape=(n_rows, n_places + n_rows))
    row_ind, col_ind = min_weight_full_bipartite_matching(matrix)
    role_of_place = np.repeat(used_cols, places)
    return [(int(used_rows[r]), int(role_of_place[c])) for r, c in zip(row_ind, col_ind) if c < n_places]
