import { PLATFORM_NAMES } from './format.js';

/** The values of MINIDUMP_SYSTEM_INFO this needs. */
interface Version {
  readonly platformId: number;
  readonly majorVersion: number;
  readonly minorVersion: number;
  readonly buildNumber: number;
  /** VER_NT_WORKSTATION is 1; 2 (domain controller) and 3 (server) are servers. */
  readonly productType: number;
  readonly csdVersion: string | null;
}

/** `Windows`, `Linux`, `macOS`, … from PlatformId; `0x…` for a value nobody names. */
export function platformName(platformId: number): string {
  return PLATFORM_NAMES.get(platformId) ?? `0x${platformId.toString(16)}`;
}

/**
 * The operating system as a person names it: `Windows 10 (10.0.19045)`,
 * `Windows Server 2022 (10.0.20348)`, `Linux 5.15.0 …` (Breakpad puts the
 * kernel release in CSDVersion), `macOS 13.4.0 (22F66)`. Windows names come
 * from the version and build numbers Microsoft documents for each release.
 */
export function osName(v: Version): string {
  const platform = platformName(v.platformId);
  const number = `${v.majorVersion}.${v.minorVersion}.${v.buildNumber}`;
  if (v.platformId === 2) {
    const name = windowsName(v.majorVersion, v.minorVersion, v.buildNumber, v.productType !== 1 && v.productType !== 0);
    return `${name} (${number})${v.csdVersion ? ` ${v.csdVersion}` : ''}`;
  }
  // Breakpad stores uname's sysname, release, version and machine in CSDVersion.
  if (v.platformId === 0x8201 || v.platformId === 0x8203) {
    if (!v.csdVersion) return `${platform} ${number}`;
    return v.csdVersion.startsWith(`${platform} `) ? v.csdVersion : `${platform} ${v.csdVersion}`;
  }
  return `${platform} ${number}${v.csdVersion ? ` (${v.csdVersion})` : ''}`;
}

function windowsName(major: number, minor: number, build: number, server: boolean): string {
  if (major === 10 && minor === 0) {
    if (server)
      return build >= 26100
        ? 'Windows Server 2025'
        : build >= 20348
          ? 'Windows Server 2022'
          : build >= 17763
            ? 'Windows Server 2019'
            : 'Windows Server 2016';
    return build >= 22000 ? 'Windows 11' : 'Windows 10';
  }
  const table: Record<string, [string, string]> = {
    '6.3': ['Windows 8.1', 'Windows Server 2012 R2'],
    '6.2': ['Windows 8', 'Windows Server 2012'],
    '6.1': ['Windows 7', 'Windows Server 2008 R2'],
    '6.0': ['Windows Vista', 'Windows Server 2008'],
    '5.2': ['Windows XP x64', 'Windows Server 2003'],
    '5.1': ['Windows XP', 'Windows XP'],
    '5.0': ['Windows 2000', 'Windows 2000 Server'],
  };
  const names = table[`${major}.${minor}`];
  return names ? names[server ? 1 : 0] : 'Windows';
}
