import { Box, Center, Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

export function AuthFrame({ title, subtitle, children }: { title: string; subtitle: string; children: ReactNode }) {
  return (
    <Center mih="100vh" bg="var(--mantine-color-gray-light)" p="md">
      <Paper withBorder shadow="md" p="xl" radius="lg" w={440} maw="100%" component="main">
        <Stack gap="xs" mb="lg">
          <Box>
            <Text fw={800} size="sm" c="indigo" tt="uppercase" style={{ letterSpacing: 2 }}>
              Roster
            </Text>
          </Box>
          <Title order={1} size="h2">
            {title}
          </Title>
          <Text c="dimmed" size="sm">
            {subtitle}
          </Text>
        </Stack>
        {children}
      </Paper>
    </Center>
  );
}
