/* SPDX-License-Identifier: MIT */
/*
 * nss: glibc's non-reentrant lookups (nss/getXXbyYY.c, getXXent.c) share a
 * static buffer per function under a static lock; fork neither takes nor
 * resets it.
 *
 * By-key lookups (getpwnam, gethostbyname, ...; 17 functions) may wait on
 * the network for as long as a DNS, LDAP or NIS server takes: fork must not
 * wait for them, so they are not gated.  Instead the adapter implements
 * each with glibc's reentrant form (getpwnam_r, gethostbyname_r, ...),
 * which keeps no static state, into a static buffer of its own under a lock
 * of its own that fork never takes and the child resets: glibc's lock is
 * never taken, and a child forked during a lookup looks up normally (the
 * interrupted lookup's result belonged to the parent).  The buffer grows as
 * the reentrant function asks (ERANGE), up to NSS_BUFFER_MAX.
 *
 * Enumerations (setpwent/getpwent/endpwent, ...) keep their position in
 * glibc under the same static lock and cannot be rebuilt from outside: they
 * stay gated, so fork waits for the call in progress (not for the whole
 * enumeration).  With a network source configured for that database in
 * nsswitch.conf, that call can wait on the network: forklock(7), LIMITS.
 *
 * An enumeration's position in the files source is a stream, whose open file
 * description, and so file offset, the child shares with the parent.  When
 * another thread was enumerating at fork it goes on reading in the parent
 * and moves the child's offset: the child's setpwent() rewinds, the parent
 * reads the file, and the child's getpwent() finds the end at once (NSS-5).
 * So a child ends an enumeration it inherited from another thread before
 * its first call, and starts on a stream of its own; the forking thread's
 * own enumeration goes on, as after a single-threaded fork.
 *
 * These are cancellation points: a cancelled thread leaves gate and lock.
 */
#include "gated.h"

#include <aliases.h>
#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <rpc/netdb.h>
#include <shadow.h>
#include <stdlib.h>

FORKLOCK_HIDDEN struct forklock_gate forklock_gate_nss = FORKLOCK_GATE_INIT("nss");

#define NSS_GATED(fn, ...)      GATED_CANCELLABLE(&forklock_gate_nss, fn, __VA_ARGS__)
#define NSS_GATED_VOID(fn, ...) GATED_CANCELLABLE_VOID(&forklock_gate_nss, fn, __VA_ARGS__)

enum nss_database {
	DB_PW,
	DB_GR,
	DB_SP,
	DB_HOST,
	DB_SERV,
	DB_PROTO,
	DB_NET,
	DB_RPC,
	DB_ALIAS,
	NSS_DATABASES
};

struct enumeration {
	_Atomic(const void *) user; /* forklock_self_id() of its last set or get caller */
	atomic_bool inherited;      /* child: another thread's, to be ended before first use */
};

static struct enumeration enumerations[NSS_DATABASES];

/* In the child, before its first set or get call: true once if the
 * enumeration was another thread's (then ended first). */
static bool enumeration_inherited(enum nss_database db)
{
	struct enumeration *e = &enumerations[db];

	return !forklock_gate_nss.off &&
	       unlikely(atomic_load_explicit(&e->inherited, memory_order_relaxed)) &&
	       atomic_exchange(&e->inherited, false);
}

/*
 * Inside the gate, before a set or get call: the caller is the user.  Inside
 * it, because a thread still waiting at the gate while fork copies the
 * process has not used the enumeration yet (the child would end the forking
 * thread's own).  end...ent() does not forget the user: a thread's get that
 * reopens the stream may come just before another thread's end closes the
 * old one, and the child must still end what that get opened.
 */
static void enumeration_record(enum nss_database db)
{
	struct enumeration *e = &enumerations[db];
	const void *self = forklock_self_id();

	if (!forklock_gate_nss.off && atomic_load_explicit(&e->user, memory_order_relaxed) != self)
		atomic_store_explicit(&e->user, self, memory_order_relaxed);
}

/* In the child of a threaded fork: which enumerations were other threads'. */
static FORKLOCK_CHILD_ONLY void mark_inherited_enumerations(void)
{
	const void *self = forklock_self_id();

	for (int db = 0; db < NSS_DATABASES; db++) {
		const void *user =
		    atomic_load_explicit(&enumerations[db].user, memory_order_relaxed);
		if (user && user != self)
			atomic_store_explicit(&enumerations[db].inherited, true,
			                      memory_order_relaxed);
	}
}

/* fn(args) inside the nss gate, the caller recorded as DB's user inside it too. */
#define NSS_ENUM_GATED(DB, fn, ...)                                                                \
	GATED_CANCELLABLE_FIRST(&forklock_gate_nss, enumeration_record(DB), fn, __VA_ARGS__)
#define NSS_ENUM_GATED_VOID(DB, fn, ...)                                                           \
	GATED_CANCELLABLE_FIRST_VOID(&forklock_gate_nss, enumeration_record(DB), fn, __VA_ARGS__)

/*
 * One database: its enumeration calls.  get...ent_r (reentrant results, the
 * same position and the same glibc lock) is gated like get...ent; set takes
 * the parameters given.
 */
#define NSS_ENUMERATION(type, db, DB, r_params, r_args, set_params, ...)                           \
	FORKLOCK_PUBLIC void set##db##ent set_params                                               \
	{                                                                                          \
		if (enumeration_inherited(DB))                                                     \
			NSS_GATED_VOID(end##db##ent);                                              \
		NSS_ENUM_GATED_VOID(DB, set##db##ent, ##__VA_ARGS__);                              \
	}                                                                                          \
	FORKLOCK_PUBLIC struct type *get##db##ent(void)                                            \
	{                                                                                          \
		if (enumeration_inherited(DB))                                                     \
			NSS_GATED_VOID(end##db##ent);                                              \
		return NSS_ENUM_GATED(DB, get##db##ent);                                           \
	}                                                                                          \
	FORKLOCK_PUBLIC int get##db##ent_r r_params                                                \
	{                                                                                          \
		if (enumeration_inherited(DB))                                                     \
			NSS_GATED_VOID(end##db##ent);                                              \
		return NSS_ENUM_GATED(DB, get##db##ent_r, NSS_UNPAREN r_args);                     \
	}                                                                                          \
	FORKLOCK_PUBLIC void end##db##ent(void)                                                    \
	{                                                                                          \
		if (!forklock_gate_nss.off && atomic_load(&enumerations[DB].inherited))            \
			atomic_store(&enumerations[DB].inherited, false);                          \
		NSS_GATED_VOID(end##db##ent);                                                      \
	}

#define NSS_UNPAREN(...) __VA_ARGS__
#define R_PARAMS(type)   (struct type * result, char *buffer, size_t size, struct type **found)
#define R_PARAMS_H(type)                                                                           \
	(struct type * result, char *buffer, size_t size, struct type **found, int *h_errnop)
#define R_ARGS   (result, buffer, size, found)
#define R_ARGS_H (result, buffer, size, found, h_errnop)

NSS_ENUMERATION(passwd, pw, DB_PW, R_PARAMS(passwd), R_ARGS, (void))
NSS_ENUMERATION(group, gr, DB_GR, R_PARAMS(group), R_ARGS, (void))
NSS_ENUMERATION(spwd, sp, DB_SP, R_PARAMS(spwd), R_ARGS, (void))
NSS_ENUMERATION(aliasent, alias, DB_ALIAS, R_PARAMS(aliasent), R_ARGS, (void))
NSS_ENUMERATION(hostent, host, DB_HOST, R_PARAMS_H(hostent), R_ARGS_H, (int stay_open), stay_open)
NSS_ENUMERATION(servent, serv, DB_SERV, R_PARAMS(servent), R_ARGS, (int stay_open), stay_open)
NSS_ENUMERATION(protoent, proto, DB_PROTO, R_PARAMS(protoent), R_ARGS, (int stay_open), stay_open)
NSS_ENUMERATION(netent, net, DB_NET, R_PARAMS_H(netent), R_ARGS_H, (int stay_open), stay_open)
NSS_ENUMERATION(rpcent, rpc, DB_RPC, R_PARAMS(rpcent), R_ARGS, (int stay_open), stay_open)

/* --- by-key lookups ------------------------------------------------------ */

#define NSS_BUFFER_MAX (64u << 20)

/* One function's static state: what glibc's static buffer was. */
struct nss_static {
	forklock_mutex_t lock;
	char *buffer;
	size_t size;
	union {
		struct passwd pw;
		struct group gr;
		struct spwd sp;
		struct hostent host;
		struct servent serv;
		struct protoent proto;
		struct netent net;
		struct rpcent rpc;
		struct aliasent alias;
	} result;
};

enum nss_function {
	F_GETPWNAM,
	F_GETPWUID,
	F_GETGRNAM,
	F_GETGRGID,
	F_GETSPNAM,
	F_GETHOSTBYNAME,
	F_GETHOSTBYNAME2,
	F_GETHOSTBYADDR,
	F_GETSERVBYNAME,
	F_GETSERVBYPORT,
	F_GETPROTOBYNAME,
	F_GETPROTOBYNUMBER,
	F_GETNETBYNAME,
	F_GETNETBYADDR,
	F_GETRPCBYNAME,
	F_GETRPCBYNUMBER,
	F_GETALIASBYNAME,
	NSS_FUNCTIONS
};

static struct nss_static statics[NSS_FUNCTIONS];

/* Fork does not take these locks; the child resets them (their holders are gone). */
static void nothing(void *unused)
{
	(void)unused;
}

static FORKLOCK_CHILD_ONLY void reset_in_child(void *unused)
{
	(void)unused;
	if (!forklock_gate_nss.off)
		mark_inherited_enumerations();
	for (int i = 0; i < NSS_FUNCTIONS; i++) {
		atomic_int *word = (atomic_int *)&statics[i].lock.word;
		if (atomic_load_explicit(word, memory_order_relaxed))
			atomic_store_explicit(word, 0, memory_order_relaxed);
	}
}

static const struct forklock_ops nss_ops = {nothing, nothing, reset_in_child};
static struct forklock nss_entry = FORKLOCK_INIT("nss-buffers", FORKLOCK_RANK_LEAF, &nss_ops, NULL);

__attribute__((constructor(102))) static void nss_register(void)
{
	forklock_register(&nss_entry);
}

/* The arguments of one lookup, whatever their types. */
struct nss_key {
	const void *p1, *p2;
	long n1, n2;
};

/* Calls the reentrant form; returns its error number, *found the result or NULL. */
typedef int (*nss_call)(const struct nss_key *key, void *result, char *buffer, size_t size,
                        void **found, int *h_err);

/* The new buffer is published before the old one is freed: a fork at any
 * point leaves the child a valid buffer (at worst one leaked). */
static bool grow(struct nss_static *st)
{
	size_t size = st->size ? st->size * 2 : 1024;
	char *fresh, *old = st->buffer;

	if (size > NSS_BUFFER_MAX || !(fresh = malloc(size)))
		return false;
	st->buffer = fresh;
	st->size = size;
	free(old);
	return true;
}

static void unlock_cleanup(void *mutex)
{
	forklock_mutex_unlock(mutex);
}

static void *lookup(enum nss_function f, nss_call call, const struct nss_key *key, bool hosts)
{
	struct nss_static *st = &statics[f];
	void *found = NULL;
	int err = 0, h_err = 0;

	forklock_mutex_lock(&st->lock);
	pthread_cleanup_push(unlock_cleanup, &st->lock);
	for (;;) {
		if (!st->buffer && !grow(st)) {
			err = ENOMEM;
			break;
		}
		found = NULL;
		err = call(key, &st->result, st->buffer, st->size, &found, &h_err);
		if (err != ERANGE || !grow(st))
			break;
	}
	pthread_cleanup_pop(1);
	if (!found) {
		if (err)
			errno = err;
		if (hosts)
			h_errno = err == ERANGE || err == ENOMEM ? NETDB_INTERNAL : h_err;
	}
	return found;
}

/* Each function: its reentrant call, and the public entry point. */
#define NSS_BY_KEY(type, fn, f, hosts, params, key_init, r_call)                                   \
	static int call_##fn(const struct nss_key *k, void *result, char *buffer, size_t size,     \
	                     void **found, int *h_err)                                             \
	{                                                                                          \
		(void)k;                                                                           \
		(void)h_err;                                                                       \
		return r_call;                                                                     \
	}                                                                                          \
	FORKLOCK_PUBLIC struct type *fn params                                                     \
	{                                                                                          \
		struct nss_key key = key_init;                                                     \
		if (forklock_gate_nss.off)                                                         \
			return FORKLOCK_NEXT(fn) NSS_ARGS_##fn;                                    \
		return lookup(f, call_##fn, &key, hosts);                                          \
	}

#define OUT(type)           ((struct type **)found)
#define KEY(p1, p2, n1, n2) ((struct nss_key){(p1), (p2), (n1), (n2)})

#define NSS_ARGS_getpwnam (name)
NSS_BY_KEY(passwd, getpwnam, F_GETPWNAM, false, (const char *name), KEY(name, NULL, 0, 0),
           getpwnam_r(k->p1, result, buffer, size, OUT(passwd)))
#define NSS_ARGS_getpwuid (uid)
NSS_BY_KEY(passwd, getpwuid, F_GETPWUID, false, (uid_t uid), KEY(NULL, NULL, (long)uid, 0),
           getpwuid_r((uid_t)k->n1, result, buffer, size, OUT(passwd)))
#define NSS_ARGS_getgrnam (name)
NSS_BY_KEY(group, getgrnam, F_GETGRNAM, false, (const char *name), KEY(name, NULL, 0, 0),
           getgrnam_r(k->p1, result, buffer, size, OUT(group)))
#define NSS_ARGS_getgrgid (gid)
NSS_BY_KEY(group, getgrgid, F_GETGRGID, false, (gid_t gid), KEY(NULL, NULL, (long)gid, 0),
           getgrgid_r((gid_t)k->n1, result, buffer, size, OUT(group)))
#define NSS_ARGS_getspnam (name)
NSS_BY_KEY(spwd, getspnam, F_GETSPNAM, false, (const char *name), KEY(name, NULL, 0, 0),
           getspnam_r(k->p1, result, buffer, size, OUT(spwd)))
#define NSS_ARGS_gethostbyname (name)
NSS_BY_KEY(hostent, gethostbyname, F_GETHOSTBYNAME, true, (const char *name), KEY(name, NULL, 0, 0),
           gethostbyname_r(k->p1, result, buffer, size, OUT(hostent), h_err))
#define NSS_ARGS_gethostbyname2 (name, family)
NSS_BY_KEY(hostent, gethostbyname2, F_GETHOSTBYNAME2, true, (const char *name, int family),
           KEY(name, NULL, family, 0),
           gethostbyname2_r(k->p1, (int)k->n1, result, buffer, size, OUT(hostent), h_err))
#define NSS_ARGS_gethostbyaddr (addr, len, family)
NSS_BY_KEY(hostent, gethostbyaddr, F_GETHOSTBYADDR, true,
           (const void *addr, socklen_t len, int family), KEY(addr, NULL, (long)len, family),
           gethostbyaddr_r(k->p1, (socklen_t)k->n1, (int)k->n2, result, buffer, size, OUT(hostent),
                           h_err))
#define NSS_ARGS_getservbyname (name, proto)
NSS_BY_KEY(servent, getservbyname, F_GETSERVBYNAME, false, (const char *name, const char *proto),
           KEY(name, proto, 0, 0),
           getservbyname_r(k->p1, k->p2, result, buffer, size, OUT(servent)))
#define NSS_ARGS_getservbyport (port, proto)
NSS_BY_KEY(servent, getservbyport, F_GETSERVBYPORT, false, (int port, const char *proto),
           KEY(NULL, proto, port, 0),
           getservbyport_r((int)k->n1, k->p2, result, buffer, size, OUT(servent)))
#define NSS_ARGS_getprotobyname (name)
NSS_BY_KEY(protoent, getprotobyname, F_GETPROTOBYNAME, false, (const char *name),
           KEY(name, NULL, 0, 0), getprotobyname_r(k->p1, result, buffer, size, OUT(protoent)))
#define NSS_ARGS_getprotobynumber (proto)
NSS_BY_KEY(protoent, getprotobynumber, F_GETPROTOBYNUMBER, false, (int proto),
           KEY(NULL, NULL, proto, 0),
           getprotobynumber_r((int)k->n1, result, buffer, size, OUT(protoent)))
#define NSS_ARGS_getnetbyname (name)
NSS_BY_KEY(netent, getnetbyname, F_GETNETBYNAME, true, (const char *name), KEY(name, NULL, 0, 0),
           getnetbyname_r(k->p1, result, buffer, size, OUT(netent), h_err))
#define NSS_ARGS_getnetbyaddr (net, type)
NSS_BY_KEY(netent, getnetbyaddr, F_GETNETBYADDR, true, (uint32_t net, int type),
           KEY(NULL, NULL, (long)net, type),
           getnetbyaddr_r((uint32_t)k->n1, (int)k->n2, result, buffer, size, OUT(netent), h_err))
#define NSS_ARGS_getrpcbyname (name)
NSS_BY_KEY(rpcent, getrpcbyname, F_GETRPCBYNAME, false, (const char *name), KEY(name, NULL, 0, 0),
           getrpcbyname_r(k->p1, result, buffer, size, OUT(rpcent)))
#define NSS_ARGS_getrpcbynumber (number)
NSS_BY_KEY(rpcent, getrpcbynumber, F_GETRPCBYNUMBER, false, (int number),
           KEY(NULL, NULL, number, 0),
           getrpcbynumber_r((int)k->n1, result, buffer, size, OUT(rpcent)))
#define NSS_ARGS_getaliasbyname (name)
NSS_BY_KEY(aliasent, getaliasbyname, F_GETALIASBYNAME, false, (const char *name),
           KEY(name, NULL, 0, 0), getaliasbyname_r(k->p1, result, buffer, size, OUT(aliasent)))
