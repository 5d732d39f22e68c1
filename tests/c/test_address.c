/* test_address.c - a device's public address on an air in this process: kept across
 * activations, asked for with mpble_set_address, refused while another live device
 * has it (and granted once that one deactivated), given up silently when only kept,
 * and never given to a second device by default. Through the public C API only. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "common/log.h"
#include "mpble/mpble.h"
#include "private_air.h"

static const char *uri;

static mpble_t *device(void)
{
    mpble_t *h = mpble_new(NULL, NULL);
    CHECK(h != NULL);
    CHECK_EQ(mpble_set_transport(h, uri), 0);
    return h;
}

/* The public address of an active device (all zero on failure). */
static mpble_addr_t mac(mpble_t *h)
{
    mpble_addr_t a = {0};
    CHECK_EQ(mpble_get_mac(h, &a), 0);
    CHECK_EQ(a.type, 0);
    return a;
}

static bool same(mpble_addr_t a, mpble_addr_t b)
{
    return a.type == b.type && memcmp(a.val, b.val, 6) == 0;
}

/* The address of the air's client ordinal, from one (of ordinal at) on the same air. */
static mpble_addr_t ordinal_address(mpble_addr_t at, uint32_t ordinal)
{
    for (int i = 0; i < 4; i++)
        at.val[5 - i] = (uint8_t)(ordinal >> (8 * i));
    return at;
}

static uint32_t ordinal_of(mpble_addr_t a)
{
    return (uint32_t)a.val[2] << 24 | (uint32_t)a.val[3] << 16 | (uint32_t)a.val[4] << 8 | a.val[5];
}

static void test_kept_across_activations(void)
{
    mpble_t *h = device(), *other = device();
    CHECK_EQ(mpble_active(h, true), 0);
    mpble_addr_t first = mac(h);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(mpble_active(h, false), 0);
        CHECK_EQ(mpble_active(other, true), 0); /* a newcomer meanwhile: another address */
        CHECK(!same(mac(other), first));
        CHECK_EQ(mpble_active(h, true), 0);
        CHECK(same(mac(h), first));
        CHECK_EQ(mpble_active(other, false), 0);
    }
    mpble_free(h);
    mpble_free(other);
}

static void test_requested(void)
{
    const mpble_addr_t want = {0, {0xc0, 0xff, 0xee, 0x00, 0x00, 0x01}};
    mpble_t *a = device(), *b = device();
    CHECK_EQ(mpble_set_address(a, &want), 0);
    CHECK_EQ(mpble_active(a, true), 0);
    CHECK(same(mac(a), want));
    /* Taken: refused, with the address in the message. */
    CHECK_EQ(mpble_set_address(b, &want), 0);
    CHECK_EQ(mpble_active(b, true), -EADDRINUSE);
    CHECK(strstr(mpble_last_error(b), "C0:FF:EE:00:00:01") != NULL);
    CHECK(!mpble_is_active(b));
    /* Its holder deactivates: granted at once, whether the air saw the hang-up yet. */
    CHECK_EQ(mpble_active(a, false), 0);
    CHECK_EQ(mpble_active(b, true), 0);
    CHECK(same(mac(b), want));
    /* Asked for again, refused; only kept, it gives way to the controller's own. */
    CHECK_EQ(mpble_active(a, true), -EADDRINUSE);
    CHECK_EQ(mpble_set_address(a, NULL), 0);
    CHECK_EQ(mpble_active(a, true), 0);
    CHECK(!same(mac(a), want));
    mpble_free(a);
    mpble_free(b);
}

static void test_bad_requests(void)
{
    mpble_t *h = device();
    mpble_addr_t random = {1, {0xc0, 0, 0, 0, 0, 1}}, zero = {0};
    CHECK_EQ(mpble_set_address(h, &random), -EINVAL);
    CHECK_EQ(mpble_set_address(h, &zero), -EINVAL);
    mpble_free(h);
}

/* An address written that a later client would have by default: that one gets a
 * spare address instead. */
static void test_default_skips_written(void)
{
    mpble_t *a = device(), *b = device();
    CHECK_EQ(mpble_active(a, true), 0);
    mpble_addr_t mine = mac(a);
    CHECK_EQ(mpble_active(a, false), 0);
    /* a's next activation is the next client; b's the one after. */
    mpble_addr_t next = ordinal_address(mine, ordinal_of(mine) + 2);
    CHECK_EQ(mpble_set_address(a, &next), 0);
    CHECK_EQ(mpble_active(a, true), 0);
    CHECK(same(mac(a), next));
    CHECK_EQ(mpble_active(b, true), 0);
    CHECK(!same(mac(b), next));
    CHECK_EQ(ordinal_of(mac(b)) & 0x80000000u, 0x80000000u);
    mpble_free(a);
    mpble_free(b);
}

int main(void)
{
    setenv("MPBLE_LOG", "0", 1);
    unsetenv("MPBLE_ADDR");
    log_setup("mpble-air", stderr, LOG_LEVEL_ERROR);
    struct private_air air;
    CHECK_EQ(private_air_start(&air, "address", 3), 0);
    if (check_failed)
        return check_summary("test_address");
    uri = air.uri;
    RUN(test_kept_across_activations());
    RUN(test_requested());
    RUN(test_bad_requests());
    RUN(test_default_skips_written());
    private_air_stop(&air);
    return check_summary("test_address");
}
