/*
 * nss: glibc's non-reentrant lookups (nss/getXXbyYY.c, getXXent.c) share a
 * static buffer per database under a static lock; fork neither takes nor
 * resets it.  Gated: the by-name/by-number lookups and the enumeration calls
 * of passwd, group, shadow, hosts, services, protocols, networks, rpc and
 * aliases.  The *_r forms keep no static state and are left alone.
 *
 * Bounded?  A lookup runs NSS modules chosen by the system administrator;
 * a network backend (DNS, LDAP) is bounded by its own timeouts, and fork
 * waits for that long at most.  These are cancellation points.
 */
#include "gated.h"

#include <aliases.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <rpc/netdb.h>
#include <shadow.h>

FORKLOCK_HIDDEN struct forklock_gate forklock_gate_nss = FORKLOCK_GATE_INIT("nss");

#define NSS_GATED(fn, ...)      GATED_CANCELLABLE(&forklock_gate_nss, fn, __VA_ARGS__)
#define NSS_GATED_VOID(fn, ...) GATED_CANCELLABLE_VOID(&forklock_gate_nss, fn, __VA_ARGS__)

/* One database: its enumeration calls (set takes an argument or not). */
#define NSS_ENUMERATION(type, db)                                                                  \
	FORKLOCK_PUBLIC struct type *get##db##ent(void)                                            \
	{                                                                                          \
		return NSS_GATED(get##db##ent);                                                    \
	}                                                                                          \
	FORKLOCK_PUBLIC void end##db##ent(void)                                                    \
	{                                                                                          \
		NSS_GATED_VOID(end##db##ent);                                                      \
	}

NSS_ENUMERATION(passwd, pw)
NSS_ENUMERATION(group, gr)
NSS_ENUMERATION(spwd, sp)
NSS_ENUMERATION(hostent, host)
NSS_ENUMERATION(servent, serv)
NSS_ENUMERATION(protoent, proto)
NSS_ENUMERATION(netent, net)
NSS_ENUMERATION(rpcent, rpc)
NSS_ENUMERATION(aliasent, alias)

FORKLOCK_PUBLIC void setpwent(void)
{
	NSS_GATED_VOID(setpwent);
}

FORKLOCK_PUBLIC void setgrent(void)
{
	NSS_GATED_VOID(setgrent);
}

FORKLOCK_PUBLIC void setspent(void)
{
	NSS_GATED_VOID(setspent);
}

FORKLOCK_PUBLIC void setaliasent(void)
{
	NSS_GATED_VOID(setaliasent);
}

FORKLOCK_PUBLIC void sethostent(int stay_open)
{
	NSS_GATED_VOID(sethostent, stay_open);
}

FORKLOCK_PUBLIC void setservent(int stay_open)
{
	NSS_GATED_VOID(setservent, stay_open);
}

FORKLOCK_PUBLIC void setprotoent(int stay_open)
{
	NSS_GATED_VOID(setprotoent, stay_open);
}

FORKLOCK_PUBLIC void setnetent(int stay_open)
{
	NSS_GATED_VOID(setnetent, stay_open);
}

FORKLOCK_PUBLIC void setrpcent(int stay_open)
{
	NSS_GATED_VOID(setrpcent, stay_open);
}

FORKLOCK_PUBLIC struct passwd *getpwnam(const char *name)
{
	return NSS_GATED(getpwnam, name);
}

FORKLOCK_PUBLIC struct passwd *getpwuid(uid_t uid)
{
	return NSS_GATED(getpwuid, uid);
}

FORKLOCK_PUBLIC struct group *getgrnam(const char *name)
{
	return NSS_GATED(getgrnam, name);
}

FORKLOCK_PUBLIC struct group *getgrgid(gid_t gid)
{
	return NSS_GATED(getgrgid, gid);
}

FORKLOCK_PUBLIC struct spwd *getspnam(const char *name)
{
	return NSS_GATED(getspnam, name);
}

FORKLOCK_PUBLIC struct hostent *gethostbyname(const char *name)
{
	return NSS_GATED(gethostbyname, name);
}

FORKLOCK_PUBLIC struct hostent *gethostbyname2(const char *name, int family)
{
	return NSS_GATED(gethostbyname2, name, family);
}

FORKLOCK_PUBLIC struct hostent *gethostbyaddr(const void *addr, socklen_t len, int family)
{
	return NSS_GATED(gethostbyaddr, addr, len, family);
}

FORKLOCK_PUBLIC struct servent *getservbyname(const char *name, const char *proto)
{
	return NSS_GATED(getservbyname, name, proto);
}

FORKLOCK_PUBLIC struct servent *getservbyport(int port, const char *proto)
{
	return NSS_GATED(getservbyport, port, proto);
}

FORKLOCK_PUBLIC struct protoent *getprotobyname(const char *name)
{
	return NSS_GATED(getprotobyname, name);
}

FORKLOCK_PUBLIC struct protoent *getprotobynumber(int proto)
{
	return NSS_GATED(getprotobynumber, proto);
}

FORKLOCK_PUBLIC struct netent *getnetbyname(const char *name)
{
	return NSS_GATED(getnetbyname, name);
}

FORKLOCK_PUBLIC struct netent *getnetbyaddr(uint32_t net, int type)
{
	return NSS_GATED(getnetbyaddr, net, type);
}

FORKLOCK_PUBLIC struct rpcent *getrpcbyname(const char *name)
{
	return NSS_GATED(getrpcbyname, name);
}

FORKLOCK_PUBLIC struct rpcent *getrpcbynumber(int number)
{
	return NSS_GATED(getrpcbynumber, number);
}

FORKLOCK_PUBLIC struct aliasent *getaliasbyname(const char *name)
{
	return NSS_GATED(getaliasbyname, name);
}
