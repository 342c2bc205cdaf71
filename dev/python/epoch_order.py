"""Independent Python re-implementation of epochOrder (src/tasks/batch.ts) for its golden test values.

Run: python3 dev/python/epoch_order.py
"""
M = 0xFFFFFFFF


def imul(a, b):
    return (a * b) & M


def fmix32(h):
    h &= M
    h = imul(h ^ (h >> 16), 0x85EBCA6B)
    h = imul(h ^ (h >> 13), 0xC2B2AE35)
    return (h ^ (h >> 16)) & M


def mulberry32(state):
    a = state & M

    def uniform():
        nonlocal a
        a = (a + 0x6D2B79F5) & M
        t = imul(a ^ (a >> 15), 1 | a)
        t = ((t + imul(t ^ (t >> 7), 61 | t)) & M) ^ t
        return ((t ^ (t >> 14)) & M) / 4294967296

    return uniform


def epoch_order(n, seed, epoch):
    uniform = mulberry32(fmix32(seed ^ fmix32((epoch + 0x9E3779B9) & M)))
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = int(uniform() * (i + 1))
        order[i], order[j] = order[j], order[i]
    return order


if __name__ == "__main__":
    print("epoch_order(10, 0, 0) =", epoch_order(10, 0, 0))
    print("epoch_order(10, 42, 3) =", epoch_order(10, 42, 3))
