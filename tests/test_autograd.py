"""The shared graph walk: order, reuse, depth, and memory."""

from __future__ import annotations

import gc
import sys
import tracemalloc

from tinygrad_rnn import Value
from tinygrad_rnn.autograd import interior_toposort, toposort
from tinygrad_rnn.scalar import MLP


def test_inputs_come_before_users():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d.tanh() * c
    order = toposort(e)
    position = {id(n): i for i, n in enumerate(order)}
    assert order[-1] is e
    assert len(order) == len({id(n) for n in order})  # each node once
    for node in order:
        for parent in node._prev:
            assert position[id(parent)] < position[id(node)]


def test_diamond_lists_shared_node_once():
    a = Value(1.0)
    b = a + a
    order = toposort(b + b)
    assert sum(n is a for n in order) == 1
    assert sum(n is b for n in order) == 1


def test_interior_walk_skips_leaves_and_keeps_the_order():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d.tanh() * c
    full = toposort(e)
    interior = interior_toposort(e)
    # exactly the nodes with a backward rule, in the same relative order as the full walk
    assert [n for n in full if n._backward is not None] == interior
    assert a not in interior and b not in interior and interior[-1] is e
    assert interior_toposort(a) == []  # a leaf has nothing to walk
    e.backward()  # backward walks the interior order: gradients as by hand
    dt = 1 - d.tanh().data ** 2
    assert abs(a.grad - (dt * (b.data + 1) * c.data + d.tanh().data * b.data)) < 1e-12


def test_million_node_chain_at_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10_000
    x = Value(0.3)
    node = x
    for i in range(999_999):
        node = node.tanh() if i % 2 else node * 1.0
    node.backward()
    # d/dx of alternating identity-scalings and tanh: product of (1 - tanh^2) terms; just
    # check it is a finite positive number reached through every node.
    assert 0.0 < x.grad < 1.0
    assert len(toposort(node)) == 1_000_000


def test_graph_is_freed_between_training_steps():
    model = MLP(2, [8, 1], seed=0)
    rows = [[0.1 * i, -0.2 * i] for i in range(20)]

    def step():
        loss = sum(((model(r) - 1.0) ** 2 for r in rows), Value(0.0))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.01 * p.grad

    for _ in range(3):
        step()
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for _ in range(20):
        step()
    grown = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    # One step's graph is ~hundreds of KB; twenty steps kept alive would be several MB.
    assert grown < 100_000, f"memory grew by {grown} bytes over 20 steps"


def test_values_need_no_cycle_collector():
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        for _ in range(10):
            a = Value(1.0)
            b = (a * 2.0 + a).tanh()
            b.backward()
        del a, b
        after = len(gc.get_objects())
    finally:
        gc.enable()
    assert after - before < 10, "graphs should be freed by reference counting alone"
