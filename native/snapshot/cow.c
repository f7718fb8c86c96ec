// Copy-on-write page versioning for fork-free snapshots (Valkey.Native, Linux only).
//
// A snapshot write-protects every arena page with userfaultfd (UFFDIO_REGISTER_MODE_WP +
// UFFDIO_WRITEPROTECT). The first write to a protected 4 KB page, by any thread, blocks in the
// kernel and queues a message; the handler thread started here copies the page into shadow
// storage, records it and removes the protection, which wakes the writer. The snapshot reader
// (cow_read) then sees, for every page, the shadow copy if one exists, else the live page,
// which is still protected and therefore still holds its contents as of cow_protect_ranges.
//
// Why C and not managed code: the writer blocked in a fault may be the command thread while it
// runs managed code. A managed handler could itself be waiting for a garbage collection that in
// turn waits for the blocked command thread: a deadlock. This thread is invisible to the .NET
// runtime, and cow_read is called through an ordinary P/Invoke (preemptive mode), so the GC
// never waits for a thread that holds the page lock.
//
// No lock between the reader and the handler: every registered page has a slot in a table
// indexed by its position in the registered runs. The handler copies a page, publishes the copy
// in the slot and only then removes the protection; a write can therefore only change a live
// page after its slot is set. cow_read copies the live page and looks at the slot again: still
// empty means the page stayed protected through the copy; set means it may have changed, and the
// published copy is used instead. (A shared lock here made the handler, and the command thread
// waiting in a fault behind it, wait for the reader thousands of times per second.)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

// Debian 12's kernel headers (6.1) predate this flag (kernel 6.4). Without it, pages never
// touched before the snapshot would not be protected, so a write to e.g. a zeroed bucket array
// page during the snapshot would go unnoticed.
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)
#endif
#ifndef __NR_userfaultfd
#if defined(__x86_64__)
#define __NR_userfaultfd 323
#elif defined(__aarch64__)
#define __NR_userfaultfd 282
#endif
#endif

#define COW_EXPORT __attribute__((visibility("default")))
// Shadow pages are carved from slabs that start at 2 MB and double up to 64 MB. Every mmap takes
// the address-space lock for writing; anything walking the page tables meanwhile (a monitoring
// read of /proc/PID/smaps on a big heap: milliseconds) makes it wait, and with it every fault the
// command thread takes behind this handler. Slabs are reserved, not committed (MAP_NORESERVE):
// only the pages actually copied into become resident.
#define SLAB_FIRST_BYTES ((size_t)2 << 20)
#define SLAB_MAX_BYTES ((size_t)64 << 20)

typedef struct cow_range {
    uintptr_t addr;     // page aligned
    size_t len;         // registered length (page multiple)
    size_t wp_len;      // write-protected prefix (<= len; rounded up to the page)
} cow_range;

typedef struct cow_stats {
    long long pages_copied;     // pages copied on first write
    long long shadow_bytes;     // address space reserved for shadow copies (slabs; resident only where copied)
    long long protected_bytes;  // bytes write-protected at begin
    long long registered_bytes; // bytes registered with userfaultfd
    long long faults;           // fault messages handled (duplicates included)
    long long runs;             // contiguous registrations (one VMA each at least)
    long long protect_calls;    // UFFDIO_WRITEPROTECT calls made at begin
    long long register_us;      // time cow_protect_ranges spent sorting and registering
    long long protect_us;       // time it spent write-protecting (the page-table walk)
    int failed;                 // a copy could not be made: the snapshot is not consistent
} cow_stats;

typedef struct cow_ctx {
    int uffd;
    size_t page;
    pthread_t thread;
    int thread_started;
    volatile int stopping;
    pthread_mutex_t lock;   // handler vs cow_end and statistics; never taken by cow_read
    // One slot per registered page: its shadow copy, or NULL (published with release stores).
    char **slots;
    size_t slot_count;
    size_t *run_first_slot; // per run: index of its first page's slot
    // shadow slabs
    char **slabs;
    size_t *slab_sizes;
    size_t nslabs, slabcap;
    char *slab_cur;
    size_t slab_left;
    // registered runs, for cow_end
    cow_range *runs;
    size_t nruns;
    char *doorbell;     // one protected page cow_end writes to, to wake the handler for exit
    unsigned read_pause_us; // tests: cow_read sleeps this long before copying a live page
    cow_stats stats;
} cow_ctx;

// The slot of the registered page at pg (page aligned), or NULL when pg is not in a run.
static char **slot_of(cow_ctx *c, uintptr_t pg)
{
    size_t lo = 0, hi = c->nruns;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (pg < c->runs[mid].addr) hi = mid;
        else if (pg >= c->runs[mid].addr + c->runs[mid].len) lo = mid + 1;
        else return &c->slots[c->run_first_slot[mid] + (pg - c->runs[mid].addr) / c->page];
    }
    return NULL;
}

static char *shadow_alloc(cow_ctx *c)
{
    if (c->slab_left < c->page) {
        if (c->nslabs == c->slabcap) {
            size_t ncap = c->slabcap ? c->slabcap * 2 : 64;
            char **n = realloc(c->slabs, ncap * sizeof *n);
            if (!n) return NULL;
            c->slabs = n;
            size_t *ns = realloc(c->slab_sizes, ncap * sizeof *ns);
            if (!ns) return NULL;
            c->slab_sizes = ns;
            c->slabcap = ncap;
        }
        size_t bytes = c->nslabs == 0 ? SLAB_FIRST_BYTES : c->slab_sizes[c->nslabs - 1] * 2;
        if (bytes > SLAB_MAX_BYTES) bytes = SLAB_MAX_BYTES;
        void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED && bytes > SLAB_FIRST_BYTES) {
            bytes = SLAB_FIRST_BYTES;
            m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        }
        if (m == MAP_FAILED) return NULL;
        c->slab_sizes[c->nslabs] = bytes;
        c->slabs[c->nslabs++] = m;
        c->slab_cur = m;
        c->slab_left = bytes;
        c->stats.shadow_bytes += (long long)bytes;
    }
    char *p = c->slab_cur;
    c->slab_cur += c->page;
    c->slab_left -= c->page;
    return p;
}

static int set_wp(cow_ctx *c, uintptr_t addr, size_t len, int protect)
{
    struct uffdio_writeprotect wp;
    wp.range.start = addr;
    wp.range.len = len;
    wp.mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0;
    return ioctl(c->uffd, UFFDIO_WRITEPROTECT, &wp);
}

static void handle_fault(cow_ctx *c, uintptr_t addr)
{
    uintptr_t pg = addr & ~(uintptr_t)(c->page - 1);
    pthread_mutex_lock(&c->lock);
    c->stats.faults++;
    char **slot = pg != (uintptr_t)c->doorbell ? slot_of(c, pg) : NULL;
    if (slot != NULL && __atomic_load_n(slot, __ATOMIC_ACQUIRE) == NULL) {
        char *s = shadow_alloc(c);
        // The page is write-protected and every writer to it is blocked: its contents are
        // exactly those of the snapshot. Reading it cannot fault into this handler.
        if (s != NULL) {
            memcpy(s, (const void *)pg, c->page);
            __atomic_store_n(slot, s, __ATOMIC_RELEASE);   // before the protection goes
            c->stats.pages_copied++;
        } else {
            // Out of memory: let the writer go anyway (a deadlock would be worse) and mark the
            // snapshot as unusable; cow_read reports it.
            __atomic_store_n(&c->stats.failed, 1, __ATOMIC_RELEASE);
        }
    }
    if (set_wp(c, pg, c->page, 0) != 0) {
        // Already unregistered (cow_end raced with this fault): just make sure nobody waits.
        struct uffdio_range r = { pg, c->page };
        ioctl(c->uffd, UFFDIO_WAKE, &r);
    }
    pthread_mutex_unlock(&c->lock);
}

static void unregister_range(cow_ctx *c, uintptr_t addr, size_t len);

// The command thread waits in the kernel until this thread has copied its page. On a busy machine
// an ordinary thread can wait a scheduler tick or more for a core, and every first write to a page
// during a snapshot would pay it: ask for real-time priority (as the kernel's threaded interrupt
// handlers run), else a higher nice value; without the privilege (CAP_SYS_NICE) stay as we are.
// The thread only ever blocks in read() or copies one page, so it cannot monopolize a core.
static void raise_priority(void)
{
    struct sched_param sp;
    memset(&sp, 0, sizeof sp);
    sp.sched_priority = 1;
    if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0) return;
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), -10);
}

static void *handler_main(void *arg)
{
    cow_ctx *c = arg;
    struct uffd_msg msgs[32];
    raise_priority();
    for (;;) {
        ssize_t n = read(c->uffd, msgs, sizeof msgs);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            break;
        }
        int stop = 0;
        for (size_t i = 0; i < (size_t)n / sizeof msgs[0]; i++) {
            if (msgs[i].event != UFFD_EVENT_PAGEFAULT) continue;
            uintptr_t addr = (uintptr_t)msgs[i].arg.pagefault.address;
            handle_fault(c, addr);
            if ((addr & ~(uintptr_t)(c->page - 1)) == (uintptr_t)c->doorbell && c->stopping) stop = 1;
        }
        if (stop) return NULL;
    }
    // read() failed for good: nobody would resolve faults any more. Drop every protection so no
    // writer can block forever (the doorbell too, so cow_end does not wait on it), and mark the
    // snapshot unusable.
    pthread_mutex_lock(&c->lock);
    __atomic_store_n(&c->stats.failed, 1, __ATOMIC_RELEASE);
    for (size_t i = 0; i < c->nruns; i++) unregister_range(c, c->runs[i].addr, c->runs[i].len);
    c->nruns = 0;
    unregister_range(c, (uintptr_t)c->doorbell, c->page);
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

static int open_uffd(void)
{
    int fd = -1;
#ifdef __NR_userfaultfd
    fd = (int)syscall(__NR_userfaultfd, O_CLOEXEC);
#endif
    if (fd < 0) {
        // Where the syscall is filtered (seccomp) or restricted, /dev/userfaultfd may still work.
        int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
        if (dev >= 0) {
            fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC);
            close(dev);
        }
    }
    return fd;
}

static int register_range(cow_ctx *c, uintptr_t addr, size_t len)
{
    struct uffdio_register reg;
    memset(&reg, 0, sizeof reg);
    reg.range.start = addr;
    reg.range.len = len;
    reg.mode = UFFDIO_REGISTER_MODE_WP;
    if (ioctl(c->uffd, UFFDIO_REGISTER, &reg) != 0) return -errno;
    if (!(reg.ioctls & ((uint64_t)1 << _UFFDIO_WRITEPROTECT))) return -ENOTSUP;
    return 0;
}

static void unregister_range(cow_ctx *c, uintptr_t addr, size_t len)
{
    // Unregistering also clears the write-protect bits (measured: no page keeps the uffd-wp bit
    // in /proc/self/pagemap afterwards), at about half the cost of un-protecting first. Then
    // wake whatever is blocked on the range: older kernels only wake on unregister for
    // missing-page mode.
    struct uffdio_range r = { addr, len };
    if (ioctl(c->uffd, UFFDIO_UNREGISTER, &r) != 0) set_wp(c, addr, len, 0);
    ioctl(c->uffd, UFFDIO_WAKE, &r);
}

static void destroy(cow_ctx *c)
{
    if (c->uffd >= 0) close(c->uffd);
    if (c->doorbell) munmap(c->doorbell, c->page);
    for (size_t i = 0; i < c->nslabs; i++) munmap(c->slabs[i], c->slab_sizes[i]);
    free(c->slabs);
    free(c->slab_sizes);
    if (c->slots) munmap(c->slots, c->slot_count * sizeof *c->slots);
    free(c->run_first_slot);
    free(c->runs);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

// Creates a snapshot context and its handler thread. Returns NULL with *err = errno-style code
// (ENOSYS, EPERM, EINVAL: no usable userfaultfd write-protection on this kernel).
COW_EXPORT cow_ctx *cow_begin(int *err)
{
    *err = 0;
    cow_ctx *c = calloc(1, sizeof *c);
    if (!c) { *err = ENOMEM; return NULL; }
    c->page = (size_t)sysconf(_SC_PAGESIZE);
    // Priority inheritance: the snapshot reader (an ordinary thread) holds the lock while it copies
    // a few pages; if it is preempted there, the raised-priority handler, and the command thread
    // waiting in a fault behind it, would wait for the reader to get a core again (milliseconds on
    // a busy machine). With PI the reader runs at the handler's priority until it lets go.
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    if (pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_INHERIT) != 0 || pthread_mutex_init(&c->lock, &attr) != 0)
        pthread_mutex_init(&c->lock, NULL);
    pthread_mutexattr_destroy(&attr);
    c->uffd = open_uffd();
    if (c->uffd < 0) { *err = errno ? errno : ENOSYS; destroy(c); return NULL; }

    struct uffdio_api api;
    memset(&api, 0, sizeof api);
    api.api = UFFD_API;
    api.features = UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_WP_UNPOPULATED;
    if (ioctl(c->uffd, UFFDIO_API, &api) != 0) { *err = errno ? errno : EINVAL; destroy(c); return NULL; }
    if ((api.features & (UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_WP_UNPOPULATED))
        != (UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_WP_UNPOPULATED)) {
        *err = ENOTSUP; destroy(c); return NULL;
    }

    void *bell = mmap(NULL, c->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (bell == MAP_FAILED) { *err = ENOMEM; c->doorbell = NULL; destroy(c); return NULL; }
    c->doorbell = bell;
    c->doorbell[0] = 0;
    int rc = register_range(c, (uintptr_t)bell, c->page);
    if (rc == 0 && set_wp(c, (uintptr_t)bell, c->page, 1) != 0) rc = -errno;
    if (rc != 0) { *err = -rc; destroy(c); return NULL; }

    // The handler must never run a signal handler of the runtime (it is not a managed thread).
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&c->thread, NULL, handler_main, c);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) { *err = rc; destroy(c); return NULL; }
    c->thread_started = 1;
    return c;
}

static long long now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static int cmp_range(const void *a, const void *b)
{
    uintptr_t x = ((const cow_range *)a)->addr, y = ((const cow_range *)b)->addr;
    return x < y ? -1 : x > y;
}

typedef struct protect_job {
    cow_ctx *c;
    cow_range *segs;
    size_t nsegs;
    int rc;
    long long calls;
} protect_job;

static void *protect_main(void *arg)
{
    protect_job *job = arg;
    for (size_t i = 0; i < job->nsegs; i++) {
        if (set_wp(job->c, job->segs[i].addr, job->segs[i].len, 1) != 0) { job->rc = -errno; break; }
        job->calls++;
    }
    return NULL;
}

#define PARALLEL_PROTECT_MIN ((size_t)128 << 20)

// Write-protects the segments. The kernel walks every page-table entry (about 18 ms per GB):
// the whole Begin pause, during which the command thread waits anyway. Two disjoint halves touch
// disjoint page tables and share the address-space lock for reading, so on a machine with a
// second core a helper thread takes half of the walk.
static int protect_segments(cow_ctx *c, cow_range *segs, size_t nsegs, size_t total)
{
    protect_job first = { c, segs, nsegs, 0, 0 }, second = { c, NULL, 0, 0, 0 };
    pthread_t helper;
    int helper_started = 0;
    cow_range split_tail;
    if (total >= PARALLEL_PROTECT_MIN && sysconf(_SC_NPROCESSORS_ONLN) > 1) {
        // Find the segment holding the middle byte; cut it at a page boundary.
        size_t half = (total / 2) & ~(c->page - 1), acc = 0, k = 0;
        while (k < nsegs && acc + segs[k].len <= half) acc += segs[k++].len;
        if (k < nsegs) {
            size_t cut = half - acc;   // bytes of segs[k] in the first half (page multiple)
            split_tail.addr = segs[k].addr + cut;
            split_tail.len = segs[k].len - cut;
            split_tail.wp_len = split_tail.len;
            // The second half: the tail of segs[k], then segs[k + 1 ...] (segs[k]'s slot now
            // holds the tail; this thread keeps the head aside).
            cow_range head = segs[k];
            head.len = cut;
            segs[k] = split_tail;
            second.segs = segs + k;
            second.nsegs = nsegs - k;
            sigset_t all, old;
            sigfillset(&all);
            pthread_sigmask(SIG_SETMASK, &all, &old);
            helper_started = pthread_create(&helper, NULL, protect_main, &second) == 0;
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            if (helper_started) {
                // This thread: segs[0 .. k) and the head of the cut segment.
                for (size_t i = 0; i < k && first.rc == 0; i++) {
                    if (set_wp(c, segs[i].addr, segs[i].len, 1) != 0) first.rc = -errno;
                    else first.calls++;
                }
                if (first.rc == 0 && cut > 0) {
                    if (set_wp(c, head.addr, head.len, 1) != 0) first.rc = -errno;
                    else first.calls++;
                }
                pthread_join(helper, NULL);
            } else {
                segs[k] = head;   // no helper: undo the cut and do it all here
                segs[k].len = head.len + split_tail.len;
            }
        }
    }
    if (!helper_started) protect_main(&first);
    c->stats.protected_bytes += (long long)total;
    c->stats.protect_calls += first.calls + second.calls;
    if (first.rc != 0) return first.rc;
    return second.rc;
}

// Registers and write-protects the given ranges (sorted and merged here: adjacent mappings
// become one registration, which keeps the number of VMAs the kernel has to split low).
// Returns 0 or -errno; on failure the caller must still call cow_end.
COW_EXPORT int cow_protect_ranges(cow_ctx *c, cow_range *ranges, size_t n)
{
    size_t mask = c->page - 1;
    for (size_t i = 0; i < n; i++) {
        if ((ranges[i].addr & mask) || (ranges[i].len & mask) || ranges[i].len == 0) return -EINVAL;
        if (ranges[i].wp_len > ranges[i].len) ranges[i].wp_len = ranges[i].len;
        ranges[i].wp_len = (ranges[i].wp_len + mask) & ~mask;
    }
    if (c->slots != NULL) return -EBUSY;   // one set of ranges per snapshot
    long long t0 = now_us();
    qsort(ranges, n, sizeof *ranges, cmp_range);

    cow_range *runs = realloc(c->runs, (c->nruns + n + 1) * sizeof *runs);
    if (!runs) return -ENOMEM;
    c->runs = runs;
    for (size_t i = 0; i < n;) {
        uintptr_t start = ranges[i].addr;
        uintptr_t end = start + ranges[i].len;
        size_t j = i + 1;
        while (j < n && ranges[j].addr <= end) {
            uintptr_t e = ranges[j].addr + ranges[j].len;
            if (e > end) end = e;
            j++;
        }
        int rc = register_range(c, start, end - start);
        if (rc != 0) return rc;
        c->runs[c->nruns].addr = start;
        c->runs[c->nruns].len = end - start;
        c->runs[c->nruns].wp_len = 0;
        c->nruns++;
        c->stats.registered_bytes += (long long)(end - start);
        c->stats.runs++;
        i = j;
    }
    // The slot table: 8 bytes of address space per registered 4 KB page, reserved, not committed
    // (only the parts whose pages get copied become resident; reading the rest sees zeros).
    size_t *first = malloc((c->nruns + 1) * sizeof *first);
    if (!first) return -ENOMEM;
    size_t total = 0;
    for (size_t i = 0; i < c->nruns; i++) {
        first[i] = total;
        total += c->runs[i].len / c->page;
    }
    c->run_first_slot = first;
    if (total > 0) {
        void *m = mmap(NULL, total * sizeof(char *), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED) return -ENOMEM;
        c->slots = m;
        c->slot_count = total;
    }
    long long t1 = now_us();
    c->stats.register_us = t1 - t0;
    // The write-protect segments: whole protected ranges merge with the next when they touch.
    cow_range *segs = malloc((n + 1) * sizeof *segs);
    if (!segs) return -ENOMEM;
    size_t nsegs = 0, total_wp = 0;
    for (size_t i = 0; i < n;) {
        if (ranges[i].wp_len == 0) { i++; continue; }
        uintptr_t start = ranges[i].addr;
        uintptr_t end = start + ranges[i].wp_len;
        size_t j = i + 1;
        while (j < n && end == ranges[j - 1].addr + ranges[j - 1].len && ranges[j].addr == end && ranges[j].wp_len) {
            end = ranges[j].addr + ranges[j].wp_len;
            j++;
        }
        segs[nsegs].addr = start;
        segs[nsegs].len = end - start;
        segs[nsegs].wp_len = end - start;
        nsegs++;
        total_wp += end - start;
        i = j;
    }
    int rc = protect_segments(c, segs, nsegs, total_wp);
    free(segs);
    if (rc != 0) return rc;
    c->stats.protect_us = now_us() - t1;
    return 0;
}

// Copies len bytes at addr, as of the snapshot, to dest. Returns 0, or -1 if the snapshot lost
// a page (out of memory in the handler) and must be abandoned. Lock-free (see the top).
COW_EXPORT int cow_read(cow_ctx *c, const void *addr, size_t len, void *dest)
{
    uintptr_t a = (uintptr_t)addr;
    char *d = dest;
    size_t mask = c->page - 1;
    while (len > 0) {
        uintptr_t pg = a & ~(uintptr_t)mask;
        size_t off = a - pg;
        size_t chunk = c->page - off;
        if (chunk > len) chunk = len;
        char **slot = slot_of(c, pg);
        const char *s = slot ? __atomic_load_n(slot, __ATOMIC_ACQUIRE) : NULL;
        if (s != NULL) {
            memcpy(d, s + off, chunk);
        } else {
            if (c->read_pause_us) usleep(c->read_pause_us);
            memcpy(d, (const char *)a, chunk);
            if (slot != NULL) {
                // Did the handler copy (and unprotect) the page while we read it? Then what we
                // read may include new writes: take the published copy. Any write we may have
                // seen came after the slot was published; the acquire fence keeps our reads of
                // the page before this load (load-load order: free on x86, a dmb on arm64), and
                // both architectures make the slot store visible to us once a write made after
                // it is.
                __atomic_thread_fence(__ATOMIC_ACQUIRE);
                s = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
                if (s != NULL) memcpy(d, s + off, chunk);
            }
        }
        a += chunk;
        d += chunk;
        len -= chunk;
    }
    return __atomic_load_n(&c->stats.failed, __ATOMIC_ACQUIRE) ? -1 : 0;
}

// Tests: widens the window between cow_read finding a page uncopied and copying it, so that a
// concurrent first write lands inside it (the case the re-check exists for).
COW_EXPORT void cow_set_read_pause(cow_ctx *c, unsigned microseconds)
{
    c->read_pause_us = microseconds;
}

COW_EXPORT void cow_get_stats(cow_ctx *c, cow_stats *out)
{
    pthread_mutex_lock(&c->lock);
    *out = c->stats;
    pthread_mutex_unlock(&c->lock);
}

#define END_SLICE_BYTES ((size_t)8 << 20)

// Ends the snapshot: removes every protection (waking any blocked writer), stops the handler
// and frees the shadow copies. No cow_read may run concurrently or afterwards. Any thread; meant
// for the snapshot's reader thread once it is done, while the command thread keeps writing.
COW_EXPORT void cow_end(cow_ctx *c)
{
    if (!c) return;
    // Unregistering a range clears its protection with a walk of all its page tables while the
    // address-space lock is held for writing: in one call over a 1 GB arena that stops every page
    // fault and mmap of the process (the command thread's too) for 15-20 ms. In 8 MB slices each
    // hold is a fraction of a millisecond, and faults and this handler get in between.
    for (size_t i = 0, off = 0;;) {
        pthread_mutex_lock(&c->lock);   // (the handler drops every run if its read() fails)
        if (i >= c->nruns) { pthread_mutex_unlock(&c->lock); break; }
        uintptr_t start = c->runs[i].addr + off;
        size_t len = c->runs[i].len - off;
        if (len > END_SLICE_BYTES) len = END_SLICE_BYTES;
        unregister_range(c, start, len);
        off += len;
        if (off >= c->runs[i].len) { i++; off = 0; }
        pthread_mutex_unlock(&c->lock);
    }
    pthread_mutex_lock(&c->lock);
    c->nruns = 0;
    pthread_mutex_unlock(&c->lock);
    if (c->thread_started) {
        // Wake the handler out of its blocking read(): a write to the protected doorbell page
        // faults, the handler sees the stop flag, unprotects the page (which lets this write
        // finish) and exits. No signals or pthread_cancel, which would need unwinding support.
        __atomic_store_n(&c->stopping, 1, __ATOMIC_SEQ_CST);
        *(volatile char *)c->doorbell = 1;
        pthread_join(c->thread, NULL);
    }
    destroy(c);
}

// Whether this kernel offers what cow_begin needs (userfaultfd with write-protection of
// anonymous memory, including never-touched pages). Cheap; result cached by the caller.
COW_EXPORT int cow_is_supported(void)
{
    int err;
    cow_ctx *c = cow_begin(&err);
    if (!c) return -err;
    void *m = mmap(NULL, 2 * c->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int ok = 1;
    if (m == MAP_FAILED) ok = 0;
    else {
        cow_range r = { (uintptr_t)m, 2 * c->page, 2 * c->page };
        if (cow_protect_ranges(c, &r, 1) != 0) ok = 0;
    }
    cow_end(c);
    if (m != MAP_FAILED) munmap(m, 2 * c->page);
    return ok ? 1 : -ENOTSUP;
}
