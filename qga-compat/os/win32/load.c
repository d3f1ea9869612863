/* Windows load averages for guest-get-load: qemu-ga 10.1's emulation from the processor queue length, on a thread-pool timer. */
#include "win32.h"

#include <pdh.h>
#include <pdhmsg.h>

#include "os/load.h"

/*
 * Windows has no load average. Like qemu-ga 10.1, the first guest-get-load
 * starts sampling "\System\Processor Queue Length" (threads ready to run and
 * waiting for a CPU) every QGA_LOAD_SAMPLE_SECONDS and keeps Linux-style
 * damped 1/5/15-minute averages from zero; the first answers are therefore
 * near zero and become meaningful after a few minutes. Nothing runs before
 * that first call: an agent nobody asks for the load costs no wake-up.
 *
 * The cost once started, for the life of the process: one thread-pool timer
 * callback every 5 s (with a 1 s tolerance window so Windows can coalesce it
 * with other timers), each doing one PdhCollectQueryData of the System object
 * (a registry performance-data query, well under a millisecond of CPU) and
 * three multiply-adds. qemu-ga does the same work through
 * PdhCollectQueryDataEx, which adds a dedicated PDH collection thread waking
 * the thread-pool wait every 5 s: two wake-ups per sample where this has one.
 */

static SRWLOCK load_lock = SRWLOCK_INIT;
static QgaLoadAverage load_avg;        /* guarded by load_lock */
static PDH_HQUERY load_query;
static PDH_HCOUNTER load_counter;
static PTP_TIMER load_timer;           /* set once sampling runs (handlers run on one thread) */

static VOID CALLBACK load_sample(PTP_CALLBACK_INSTANCE instance, PVOID context, PTP_TIMER timer)
{
    if (PdhCollectQueryData(load_query) != ERROR_SUCCESS)
        return;
    PDH_FMT_COUNTERVALUE value;
    /* A sample that cannot be read is skipped (the average keeps its value), as qemu-ga does. */
    if (PdhGetFormattedCounterValue(load_counter, PDH_FMT_DOUBLE, NULL, &value) != ERROR_SUCCESS ||
        (value.CStatus != PDH_CSTATUS_VALID_DATA && value.CStatus != PDH_CSTATUS_NEW_DATA))
        return;
    AcquireSRWLockExclusive(&load_lock);
    qga_load_average_sample(&load_avg, value.doubleValue);
    ReleaseSRWLockExclusive(&load_lock);
}

static int start_sampling(QgaError **error)
{
    PDH_STATUS status = PdhOpenQueryW(NULL, 0, &load_query);
    if (status != ERROR_SUCCESS) {
        qga_error_generic(error, "PdhOpenQueryW failed with 0x%lx", (unsigned long)status);
        return -1;
    }
    /* The English counter path works whatever the display language of the guest. */
    status = PdhAddEnglishCounterW(load_query, L"\\System\\Processor Queue Length", 0, &load_counter);
    if (status != ERROR_SUCCESS) {
        qga_error_generic(error, "PdhAddEnglishCounterW failed with 0x%lx. Performance counters may be disabled.",
                          (unsigned long)status);
        PdhCloseQuery(load_query);
        load_query = NULL;
        return -1;
    }
    PTP_TIMER timer = CreateThreadpoolTimer(load_sample, NULL, NULL);
    if (!timer) {
        qga_error_set_os(error, (int)GetLastError(), "CreateThreadpoolTimer failed");
        PdhCloseQuery(load_query);
        load_query = NULL;
        return -1;
    }
    /* First sample right away, then every 5 s, give or take 1 s for coalescing. */
    FILETIME due = { 0, 0 };
    SetThreadpoolTimer(timer, &due, QGA_LOAD_SAMPLE_SECONDS * 1000, 1000);
    load_timer = timer;
    return 0;
}

int qga_os_get_load(double ret[3], QgaError **error)
{
    if (!load_timer && start_sampling(error) < 0)
        return -1;
    AcquireSRWLockShared(&load_lock);
    for (int i = 0; i < 3; i++)
        ret[i] = load_avg.avg[i];
    ReleaseSRWLockShared(&load_lock);
    return 0;
}
