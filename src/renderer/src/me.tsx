import { createContext, useContext, type ReactNode } from 'react';
import type { Me } from './api-types';

export type { Me } from './api-types';

const MeContext = createContext<Me | null>(null);

/** Gives every page of the console the signed-in person, without passing it through each one. */
export function MeProvider({ me, children }: { me: Me; children: ReactNode }) {
  return <MeContext.Provider value={me}>{children}</MeContext.Provider>;
}

/** The signed-in person; only pages inside the console (under MeProvider) may ask. */
export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error('useMe() is only available inside the signed-in console.');
  return me;
}
