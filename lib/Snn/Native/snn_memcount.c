/*
 * snn_memcount: an exact allocation counter for measuring the peak memory of a training step on CPU.
 * Loaded with LD_PRELOAD, it replaces glibc's malloc family by thin wrappers around glibc's own
 * implementation (__libc_*) that add the usable size of every live block to a counter and keep its
 * high-water mark. libtorch's CPU allocator uses posix_memalign, so every tensor is seen; the .NET GC
 * heap (mmap) is not. Read it from C# through dlsym(RTLD_DEFAULT, "snn_memcount_*") (Snn.Costs.MemoryMeter).
 * glibc documents this way of replacing malloc ("Replacing malloc" in its manual): all of malloc, free,
 * calloc, realloc, aligned_alloc, malloc_usable_size, memalign, posix_memalign, pvalloc and valloc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

static int64_t live_bytes;
static int64_t peak_bytes;
static int64_t allocations;

#define EXPORT __attribute__((visibility("default")))

static inline void count_in(void *p)
{
    if (!p) return;
    int64_t size = (int64_t)malloc_usable_size(p);
    int64_t now = __atomic_add_fetch(&live_bytes, size, __ATOMIC_RELAXED) ;
    __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
    int64_t peak = __atomic_load_n(&peak_bytes, __ATOMIC_RELAXED);
    while (now > peak && !__atomic_compare_exchange_n(&peak_bytes, &peak, now, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) { }
}

static inline void count_out(void *p)
{
    if (p) __atomic_sub_fetch(&live_bytes, (int64_t)malloc_usable_size(p), __ATOMIC_RELAXED);
}

EXPORT void *malloc(size_t n) { void *p = __libc_malloc(n); count_in(p); return p; }
EXPORT void free(void *p) { count_out(p); __libc_free(p); }
EXPORT void *calloc(size_t n, size_t size) { void *p = __libc_calloc(n, size); count_in(p); return p; }
EXPORT void *memalign(size_t align, size_t n) { void *p = __libc_memalign(align, n); count_in(p); return p; }
EXPORT void *aligned_alloc(size_t align, size_t n) { return memalign(align, n); }
EXPORT void *valloc(size_t n) { void *p = __libc_valloc(n); count_in(p); return p; }
EXPORT void *pvalloc(size_t n) { void *p = __libc_pvalloc(n); count_in(p); return p; }

EXPORT void *realloc(void *old, size_t n)
{
    if (!old) return malloc(n);
    if (n == 0) { free(old); return NULL; }
    int64_t before = (int64_t)malloc_usable_size(old);
    void *p = __libc_realloc(old, n);
    if (!p) return NULL;   /* old block untouched */
    __atomic_sub_fetch(&live_bytes, before, __ATOMIC_RELAXED);
    __atomic_sub_fetch(&allocations, 1, __ATOMIC_RELAXED);
    count_in(p);
    return p;
}

EXPORT void *reallocarray(void *old, size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) { errno = ENOMEM; return NULL; }
    return realloc(old, total);
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    if (align % sizeof(void *) != 0 || (align & (align - 1)) != 0) return EINVAL;
    void *p = __libc_memalign(align, n);
    if (!p && n) return ENOMEM;
    count_in(p);
    *out = p;
    return 0;
}

/* The API read by Snn.Costs.MemoryMeter. */
EXPORT int64_t snn_memcount_live(void) { return __atomic_load_n(&live_bytes, __ATOMIC_RELAXED); }
EXPORT int64_t snn_memcount_peak(void) { return __atomic_load_n(&peak_bytes, __ATOMIC_RELAXED); }
EXPORT int64_t snn_memcount_allocations(void) { return __atomic_load_n(&allocations, __ATOMIC_RELAXED); }
/* Starts a new high-water mark at the current live bytes; returns them. */
EXPORT int64_t snn_memcount_reset_peak(void)
{
    int64_t now = __atomic_load_n(&live_bytes, __ATOMIC_RELAXED);
    __atomic_store_n(&peak_bytes, now, __ATOMIC_RELAXED);
    return now;
}
