/* topk_order.c — the order in which PyTorch's CPU topk leaves the k largest of n keys.
 *
 * PyTorch's topk (aten/src/ATen/native/TopKImpl.h) fills (key, index) pairs and, comparing keys
 * only ("a before b" when a is NaN and b is not, or a > b), calls the C++ standard library:
 * std::partial_sort(first, first + k, last) when k * 64 <= n, else
 * std::nth_element(first, first + k - 1, last) followed by std::sort(first, first + k - 1).
 * Neither is stable, so when keys tie (float32 keys tie often past a few thousand categories)
 * the indices come out in the order of libstdc++'s algorithms. This file carries those
 * algorithms step for step (heap select and heap sort; introselect; introsort with a
 * 16-element insertion-sort finish, median-of-three pivots moved to the front), so that
 * multinomial without replacement returns PyTorch's samples bit for bit. Each runs in
 * O(n log n) at worst.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "error.h"
#include "rng_internal.h"

typedef struct {
    double key;    /* compared */
    int64_t index; /* carried along */
} topk_elem;

/* "a goes before b": NaN first, then larger keys. */
static inline bool
before(const topk_elem *a, const topk_elem *b)
{
    return (isnan(a->key) && !isnan(b->key)) || a->key > b->key;
}

static inline void
swap_elems(topk_elem *a, topk_elem *b)
{
    topk_elem t = *a;
    *a = *b;
    *b = t;
}

/* floor(log2(n)) for n >= 1 */
static int64_t
floor_log2(int64_t n)
{
    int64_t r = 0;
    while (n > 1) {
        n >>= 1;
        r++;
    }
    return r;
}

/* ---- heaps (libstdc++'s stl_heap.h with comp = before): the root is the element that goes
 * last, so a heap of the k best so far has the worst of them on top ---- */

static void
push_heap(topk_elem *first, int64_t hole, int64_t top, topk_elem value)
{
    int64_t parent = (hole - 1) / 2;
    while (hole > top && before(&first[parent], &value)) {
        first[hole] = first[parent];
        hole = parent;
        parent = (hole - 1) / 2;
    }
    first[hole] = value;
}

/* Moves the hole at `hole` down to a leaf along the later-going children, then pushes value up
 * from there. */
static void
adjust_heap(topk_elem *first, int64_t hole, int64_t len, topk_elem value)
{
    int64_t top = hole;
    int64_t child = hole;
    while (child < (len - 1) / 2) {
        child = 2 * (child + 1);
        if (before(&first[child], &first[child - 1]))
            child--;
        first[hole] = first[child];
        hole = child;
    }
    if ((len & 1) == 0 && child == (len - 2) / 2) {
        child = 2 * (child + 1);
        first[hole] = first[child - 1];
        hole = child - 1;
    }
    push_heap(first, hole, top, value);
}

/* The root of first[0..len) goes to *result; *result's old value is sifted into the heap. */
static void
pop_heap(topk_elem *first, int64_t len, topk_elem *result)
{
    topk_elem value = *result;
    *result = first[0];
    adjust_heap(first, 0, len, value);
}

static void
make_heap(topk_elem *first, int64_t len)
{
    if (len < 2)
        return;
    for (int64_t parent = (len - 2) / 2;; parent--) {
        adjust_heap(first, parent, len, first[parent]);
        if (parent == 0)
            return;
    }
}

static void
sort_heap(topk_elem *first, int64_t len)
{
    while (len > 1) {
        len--;
        pop_heap(first, len, &first[len]);
    }
}

/* first[0..mid) ends as a heap of the mid elements of first[0..len) that go first. */
static void
heap_select(topk_elem *first, int64_t mid, int64_t len)
{
    make_heap(first, mid);
    for (int64_t i = mid; i < len; i++) {
        if (before(&first[i], &first[0]))
            pop_heap(first, mid, &first[i]);
    }
}

static void
partial_sort(topk_elem *first, int64_t mid, int64_t len)
{
    heap_select(first, mid, len);
    sort_heap(first, mid);
}

/* ---- quicksort pieces (libstdc++'s stl_algo.h) ---- */

/* Swaps into *result the median of *a, *b, *c. */
static void
move_median_to_first(topk_elem *result, topk_elem *a, topk_elem *b, topk_elem *c)
{
    if (before(a, b)) {
        if (before(b, c))
            swap_elems(result, b);
        else if (before(a, c))
            swap_elems(result, c);
        else
            swap_elems(result, a);
    } else if (before(a, c)) {
        swap_elems(result, a);
    } else if (before(b, c)) {
        swap_elems(result, c);
    } else {
        swap_elems(result, b);
    }
}

/* Hoare partition of [lo, hi) around *pivot, which lies outside that range. */
static topk_elem *
unguarded_partition(topk_elem *lo, topk_elem *hi, const topk_elem *pivot)
{
    for (;;) {
        while (before(lo, pivot))
            lo++;
        hi--;
        while (before(pivot, hi))
            hi--;
        if (!(lo < hi))
            return lo;
        swap_elems(lo, hi);
        lo++;
    }
}

static topk_elem *
partition_pivot(topk_elem *first, topk_elem *last)
{
    topk_elem *mid = first + (last - first) / 2;
    move_median_to_first(first, first + 1, mid, last - 1);
    return unguarded_partition(first + 1, last, first);
}

static void
unguarded_linear_insert(topk_elem *last)
{
    topk_elem value = *last;
    topk_elem *next = last - 1;
    while (before(&value, next)) {
        *last = *next;
        last = next;
        next--;
    }
    *last = value;
}

static void
insertion_sort(topk_elem *first, topk_elem *last)
{
    if (first == last)
        return;
    for (topk_elem *i = first + 1; i != last; i++) {
        if (before(i, first)) {
            topk_elem value = *i;
            for (topk_elem *j = i; j != first; j--)
                *j = *(j - 1);
            *first = value;
        } else {
            unguarded_linear_insert(i);
        }
    }
}

enum { SORT_THRESHOLD = 16 };

/* Recursion depth is bounded by depth_limit (2 log2 n). */
static void
introsort_loop(topk_elem *first, topk_elem *last, int64_t depth_limit)
{
    while (last - first > SORT_THRESHOLD) {
        if (depth_limit == 0) {
            partial_sort(first, last - first, last - first);
            return;
        }
        depth_limit--;
        topk_elem *cut = partition_pivot(first, last);
        introsort_loop(cut, last, depth_limit);
        last = cut;
    }
}

/* std::sort */
static void
sort_elems(topk_elem *first, topk_elem *last)
{
    if (first == last)
        return;
    introsort_loop(first, last, 2 * floor_log2(last - first));
    if (last - first > SORT_THRESHOLD) {
        insertion_sort(first, first + SORT_THRESHOLD);
        for (topk_elem *i = first + SORT_THRESHOLD; i != last; i++)
            unguarded_linear_insert(i);
    } else {
        insertion_sort(first, last);
    }
}

/* std::nth_element */
static void
nth_element(topk_elem *first, topk_elem *nth, topk_elem *last)
{
    if (first == last || nth == last)
        return;
    int64_t depth_limit = 2 * floor_log2(last - first);
    while (last - first > 3) {
        if (depth_limit == 0) {
            heap_select(first, nth - first + 1, last - first);
            swap_elems(first, nth);
            return;
        }
        depth_limit--;
        topk_elem *cut = partition_pivot(first, last);
        if (cut <= nth)
            first = cut;
        else
            last = cut;
    }
    insertion_sort(first, last);
}

pl_status
pl_topk_order(const double *key, int64_t n, int64_t k, int64_t *out)
{
    if (k <= 0)
        return PL_OK;
    topk_elem *q = malloc((size_t)n * sizeof *q);
    if (q == NULL)
        return pl_error_nomem();
    for (int64_t j = 0; j < n; j++) {
        q[j].key = key[j];
        q[j].index = j;
    }
    if (k * 64 <= n) {
        partial_sort(q, k, n);
    } else {
        nth_element(q, q + k - 1, q + n);
        sort_elems(q, q + k - 1);
    }
    for (int64_t j = 0; j < k; j++)
        out[j] = q[j].index;
    free(q);
    return PL_OK;
}
