import { getContext, setContext } from 'svelte';
import type { VaultState } from './vault.svelte';
import type { WalletSession } from '../wallet/session.svelte';
import type { AppConfig } from '../config';

export interface App {
	wallet: WalletSession;
	vault: VaultState;
	config: AppConfig;
}

const KEY = Symbol('carevault-app');

export const setApp = (app: App) => setContext(KEY, app);
export const getApp = () => getContext<App>(KEY);
