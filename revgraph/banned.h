/*
 * Functions revgraph code must not call: they write past fixed buffers or keep
 * hidden state.  Use struct rg_str (str.h) instead.  Included last by every
 * library and CLI source through common.h.  (After git's banned.h.)
 */
#ifndef RG_BANNED_H
#define RG_BANNED_H

#define RG_BANNED(func) sorry_##func##_is_banned_in_revgraph

#undef strcpy
#define strcpy(x, y) RG_BANNED(strcpy)
#undef strcat
#define strcat(x, y) RG_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) RG_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) RG_BANNED(strncat)
#undef sprintf
#define sprintf(...) RG_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) RG_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) RG_BANNED(strtok)
#undef gets
#define gets(x) RG_BANNED(gets)

#endif
